using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Auth;

/// <summary>
/// Counts login attempts per login name and per client address in a sliding window. An attempt
/// counts from the moment it starts, before its password is checked, so a burst sent all at once
/// is held to the limit too; a successful one is then taken back. In-process: each instance
/// counts its own, which still bounds guessing to a small multiple.
/// </summary>
public sealed class LoginThrottle(IOptions<LoginThrottleOptions> options, TimeProvider time)
{
    private const int SweepAbove = 10_000;
    private readonly LoginThrottleOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, List<DateTime>> _attempts = new();

    /// <summary>Counts an attempt and returns null, or returns how long to wait when over a limit (and counts nothing).</summary>
    public TimeSpan? Begin(string login, string address)
    {
        if (_attempts.Count > SweepAbove)
            Sweep();
        var (loginKey, addressKey) = (LoginKey(login), AddressKey(address));
        var loginAttempts = _attempts.GetOrAdd(loginKey, _ => []);
        var addressAttempts = _attempts.GetOrAdd(addressKey, _ => []);
        // Always the login's list before the address's, so two threads never wait on each other in a circle.
        lock (loginAttempts)
        lock (addressAttempts)
        {
            var wait = Max(RetryAfter(loginAttempts, _options.MaxFailuresPerLogin), RetryAfter(addressAttempts, _options.MaxFailuresPerAddress));
            if (wait is not null)
                return wait;
            var now = time.GetUtcNow().UtcDateTime;
            loginAttempts.Add(now);
            addressAttempts.Add(now);
            return null;
        }
    }

    /// <summary>The attempt was right: it stops counting against the address, and the login's failures are forgiven.</summary>
    public void Succeeded(string login, string address)
    {
        _attempts.TryRemove(LoginKey(login), out _);
        if (!_attempts.TryGetValue(AddressKey(address), out var addressAttempts))
            return;
        lock (addressAttempts)
            if (addressAttempts.Count > 0)
                addressAttempts.RemoveAt(addressAttempts.Count - 1);
    }

    public void Clear() => _attempts.Clear();

    private static string LoginKey(string login) => "login:" + login.Trim().ToLowerInvariant();
    private static string AddressKey(string address) => "address:" + address;
    private TimeSpan Window => TimeSpan.FromMinutes(_options.WindowMinutes);

    private TimeSpan? RetryAfter(List<DateTime> attempts, int limit)
    {
        Prune(attempts);
        if (attempts.Count < limit)
            return null;
        // Allowed again once enough of the oldest attempts have left the window.
        return attempts[attempts.Count - limit] + Window - time.GetUtcNow().UtcDateTime;
    }

    private void Prune(List<DateTime> attempts)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - Window;
        var expired = attempts.FindIndex(at => at > cutoff);
        attempts.RemoveRange(0, expired < 0 ? attempts.Count : expired);
    }

    private void Sweep()
    {
        foreach (var (key, attempts) in _attempts)
        {
            lock (attempts)
            {
                Prune(attempts);
                if (attempts.Count == 0)
                    _attempts.TryRemove(key, out _);
            }
        }
    }

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
