using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Auth;

/// <summary>
/// currentPassword checks per user. A stolen access token must not become unlimited guesses at the
/// password that would let its holder lock the owner out; a right answer forgives the failures.
/// </summary>
public sealed class PasswordCheckThrottle(IOptions<PasswordCheckThrottleOptions> options, IAttemptCounter attempts)
{
    private readonly int _limit = options.Value.MaxFailuresPerUser;
    private readonly TimeSpan _window = TimeSpan.FromMinutes(options.Value.WindowMinutes);

    /// <summary>Counts a check and returns null, or returns how long to wait when over the limit (and counts nothing).</summary>
    public Task<TimeSpan?> BeginAsync(long userId) => attempts.BeginAsync(_window, (Key(userId), _limit));

    public Task SucceededAsync(long userId) => attempts.ForgetAsync(Key(userId));

    private static string Key(long userId) => "password:" + userId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
