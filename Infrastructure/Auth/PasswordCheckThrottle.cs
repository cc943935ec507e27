using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Auth;

/// <summary>
/// currentPassword checks per user. A stolen access token must not become unlimited guesses at the
/// password that would let its holder lock the owner out; a right answer forgives the failures.
/// </summary>
public sealed class PasswordCheckThrottle(IOptions<PasswordCheckThrottleOptions> options, TimeProvider time)
{
    private readonly int _limit = options.Value.MaxFailuresPerUser;
    private readonly AttemptWindow _attempts = new(TimeSpan.FromMinutes(options.Value.WindowMinutes), time);

    /// <summary>Counts a check and returns null, or returns how long to wait when over the limit (and counts nothing).</summary>
    public TimeSpan? Begin(long userId) => _attempts.Begin((Key(userId), _limit));

    public void Succeeded(long userId) => _attempts.Forget(Key(userId));

    public void Clear() => _attempts.Clear();

    private static string Key(long userId) => userId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
