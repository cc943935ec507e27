using System.Net;
using System.Net.Sockets;

namespace Messenger.Infrastructure.Auth;

/// <summary>
/// Attempts per key in a sliding window: the counting behind the login, registration and
/// password-check throttles, each with keys and a window of its own. In process for one
/// instance; in Redis for several, so guesses spread over instances meet one limit.
/// </summary>
public interface IAttemptCounter
{
    /// <summary>
    /// Counts one attempt against each key and returns null, or, when any key is at its limit,
    /// counts nothing and returns how long until that key allows one again.
    /// </summary>
    Task<TimeSpan?> BeginAsync(TimeSpan window, params (string Key, int Limit)[] limits);

    /// <summary>Forgets every attempt of the key.</summary>
    Task ForgetAsync(string key);

    /// <summary>Takes back the key's latest attempt.</summary>
    Task TakeBackAsync(string key);

    /// <summary>Forgets everything (tests start from nothing).</summary>
    Task ClearAsync();
}

/// <summary>
/// One lock guards every key. Each call does a few list operations under it, which costs nothing
/// beside the Argon2 hash these throttles protect, and a key can never be swept or forgiven while
/// another thread is adding to it.
/// </summary>
public sealed class AttemptWindow(TimeProvider time) : IAttemptCounter
{
    // Keys whose attempts have all expired are dropped at most this often, so memory stays bounded
    // by the attempts of the last window while no attempt pays for a scan of every key.
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, Attempts> _attempts = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSweep = time.GetUtcNow() + SweepInterval;

    private sealed record Attempts(TimeSpan Window, List<DateTimeOffset> Times);

    public Task<TimeSpan?> BeginAsync(TimeSpan window, params (string Key, int Limit)[] limits)
    {
        lock (_attempts)
        {
            var now = time.GetUtcNow();
            SweepIfDue(now);
            TimeSpan? wait = null;
            foreach (var (key, limit) in limits)
                if (RetryAfter(key, limit, now) is { } retry && (wait is null || retry > wait))
                    wait = retry;
            if (wait is not null)
                return Task.FromResult(wait);
            foreach (var (key, _) in limits)
            {
                if (!_attempts.TryGetValue(key, out var attempts))
                    _attempts[key] = attempts = new Attempts(window, []);
                attempts.Times.Add(now);
            }
            return Task.FromResult<TimeSpan?>(null);
        }
    }

    public Task ForgetAsync(string key)
    {
        lock (_attempts)
            _attempts.Remove(key);
        return Task.CompletedTask;
    }

    public Task TakeBackAsync(string key)
    {
        lock (_attempts)
            if (_attempts.TryGetValue(key, out var attempts) && attempts.Times.Count > 0)
                attempts.Times.RemoveAt(attempts.Times.Count - 1);
        return Task.CompletedTask;
    }

    public Task ClearAsync()
    {
        lock (_attempts)
            _attempts.Clear();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The key of a client address for counting: an IPv4 address as it is (an IPv4-mapped IPv6
    /// address as its IPv4), an IPv6 address as its /64, the block one subscriber is usually given,
    /// so rotating through it gains nothing.
    /// </summary>
    public static string AddressBlock(string address)
    {
        if (!IPAddress.TryParse(address, out var ip))
            return address;
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        if (ip.AddressFamily != AddressFamily.InterNetworkV6)
            return ip.ToString();
        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private TimeSpan? RetryAfter(string key, int limit, DateTimeOffset now)
    {
        if (!_attempts.TryGetValue(key, out var attempts))
            return null;
        Prune(attempts, now);
        if (attempts.Times.Count < limit)
            return null;
        // Allowed again once enough of the oldest attempts have left the window.
        return attempts.Times[attempts.Times.Count - limit] + attempts.Window - now;
    }

    private static void Prune(Attempts attempts, DateTimeOffset now)
    {
        var cutoff = now - attempts.Window;
        var live = attempts.Times.FindIndex(at => at > cutoff);
        attempts.Times.RemoveRange(0, live < 0 ? attempts.Times.Count : live);
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        if (now < _nextSweep)
            return;
        _nextSweep = now + SweepInterval;
        foreach (var (key, attempts) in _attempts)
        {
            Prune(attempts, now);
            if (attempts.Times.Count == 0)
                _attempts.Remove(key);
        }
    }
}
