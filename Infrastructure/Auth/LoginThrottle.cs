using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Auth;

/// <summary>
/// Counts failed logins per login name and per client address in a sliding window. In-process:
/// each instance counts its own failures, which still bounds guessing to a small multiple.
/// </summary>
public sealed class LoginThrottle(IOptions<LoginThrottleOptions> options, TimeProvider time)
{
    private const int SweepAbove = 10_000;
    private readonly LoginThrottleOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Queue<DateTime>> _failures = new();

    /// <summary>How long the caller must wait, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string login, string address) =>
        Max(RetryAfter(LoginKey(login), _options.MaxFailuresPerLogin), RetryAfter(AddressKey(address), _options.MaxFailuresPerAddress));

    public void RecordFailure(string login, string address)
    {
        if (_failures.Count > SweepAbove)
            Sweep();
        Add(LoginKey(login));
        Add(AddressKey(address));
    }

    public void RecordSuccess(string login) => _failures.TryRemove(LoginKey(login), out _);

    public void Clear() => _failures.Clear();

    private static string LoginKey(string login) => "login:" + login.Trim().ToLowerInvariant();
    private static string AddressKey(string address) => "address:" + address;
    private TimeSpan Window => TimeSpan.FromMinutes(_options.WindowMinutes);

    private void Add(string key)
    {
        var failures = _failures.GetOrAdd(key, _ => new Queue<DateTime>());
        lock (failures)
        {
            Prune(failures);
            failures.Enqueue(time.GetUtcNow().UtcDateTime);
        }
    }

    private TimeSpan? RetryAfter(string key, int limit)
    {
        if (!_failures.TryGetValue(key, out var failures))
            return null;
        lock (failures)
        {
            Prune(failures);
            if (failures.Count < limit)
                return null;
            // Allowed again once enough of the oldest failures have left the window.
            return failures.ElementAt(failures.Count - limit) + Window - time.GetUtcNow().UtcDateTime;
        }
    }

    private void Prune(Queue<DateTime> failures)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - Window;
        while (failures.Count > 0 && failures.Peek() <= cutoff)
            failures.Dequeue();
    }

    private void Sweep()
    {
        foreach (var (key, failures) in _failures)
        {
            lock (failures)
            {
                Prune(failures);
                if (failures.Count == 0)
                    _failures.TryRemove(key, out _);
            }
        }
    }

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
