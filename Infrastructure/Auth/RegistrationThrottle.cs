using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Auth;

/// <summary>
/// Registrations per client address block. Every attempt counts, taken names included, so the
/// hashing a new account costs and the probing of which names are taken are both bounded.
/// </summary>
public sealed class RegistrationThrottle(IOptions<RegistrationThrottleOptions> options, IAttemptCounter attempts)
{
    private readonly int _limit = options.Value.MaxPerAddress;
    private readonly TimeSpan _window = TimeSpan.FromMinutes(options.Value.WindowMinutes);

    /// <summary>Counts a registration and returns null, or returns how long to wait when over the limit (and counts nothing).</summary>
    public Task<TimeSpan?> BeginAsync(string address) => attempts.BeginAsync(_window, ("registration:" + AttemptWindow.AddressBlock(address), _limit));
}
