using System.Net;
using System.Net.Sockets;

namespace Messenger.Infrastructure.Auth;

/// <summary>
/// Attempts per key in a sliding window: the counting behind the login, registration and
/// password-check throttles. One lock guards every key. Each call does a few list operations
/// under it, which costs nothing beside the Argon2 hash these throttles protect, and a key can
/// never be swept or forgiven while another thread is adding to it. In-process: each instance
/// counts its own, which still bounds guessing to a small multiple.
/// </summary>
public sealed class AttemptWindow(TimeSpan window, TimeProvider time)
{
    // Keys whose attempts have all expired are dropped at most this often, so memory stays bounded
    // by the attempts of the last window while no attempt pays for a scan of every key.
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, List<DateTimeOffset>> _attempts = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSweep = time.GetUtcNow() + SweepInterval;

    /// <summary>
    /// Counts one attempt against each key and returns null, or, when any key is at its limit,
    /// counts nothing and returns how long until that key allows one again.
    /// </summary>
    public TimeSpan? Begin(params ReadOnlySpan<(string Key, int Limit)> limits)
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
                return wait;
            foreach (var (key, _) in limits)
            {
                if (!_attempts.TryGetValue(key, out var attempts))
                    _attempts[key] = attempts = [];
                attempts.Add(now);
            }
            return null;
        }
    }

    /// <summary>Forgets every attempt of the key.</summary>
    public void Forget(string key)
    {
        lock (_attempts)
            _attempts.Remove(key);
    }

    /// <summary>Takes back the key's latest attempt.</summary>
    public void TakeBack(string key)
    {
        lock (_attempts)
            if (_attempts.TryGetValue(key, out var attempts) && attempts.Count > 0)
                attempts.RemoveAt(attempts.Count - 1);
    }

    public void Clear()
    {
        lock (_attempts)
            _attempts.Clear();
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
        if (attempts.Count < limit)
            return null;
        // Allowed again once enough of the oldest attempts have left the window.
        return attempts[attempts.Count - limit] + window - now;
    }

    private void Prune(List<DateTimeOffset> attempts, DateTimeOffset now)
    {
        var cutoff = now - window;
        var live = attempts.FindIndex(at => at > cutoff);
        attempts.RemoveRange(0, live < 0 ? attempts.Count : live);
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        if (now < _nextSweep)
            return;
        _nextSweep = now + SweepInterval;
        foreach (var (key, attempts) in _attempts)
        {
            Prune(attempts, now);
            if (attempts.Count == 0)
                _attempts.Remove(key);
        }
    }
}
