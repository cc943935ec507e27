using System.Diagnostics;
using Messenger.Infrastructure.Auth;
using Microsoft.Extensions.Options;

namespace Messenger.Tests.Infrastructure;

/// <summary>The throttle on its own, with a clock the test moves.</summary>
public sealed class LoginThrottleTests
{
    [Test]
    public void Attempts_added_while_other_keys_are_swept_are_never_lost()
    {
        var clock = new ManualClock();
        var throttle = Throttle(clock, maxFailuresPerLogin: 1);
        // Enough live keys that sweeps have work on every pass, while fresh keys are added beside them.
        for (var i = 0; i < 10_001; i++)
            _ = throttle.BeginAsync($"filler{i}", $"198.51.100.{i % 250}").Result;
        using var stop = new CancellationTokenSource();
        var ticking = Task.Run(() =>
        {
            // Sweeps come due over and over; the window (15 minutes) keeps every attempt alive.
            for (var minute = 0; minute < 14 && !stop.IsCancellationRequested; minute++)
            {
                Thread.Sleep(5);
                clock.Advance(TimeSpan.FromMinutes(1));
            }
        });

        const int fresh = 2_000;
        Parallel.For(0, fresh, i => Assert.That(throttle.BeginAsync($"fresh{i}", $"203.0.113.{i % 250}").Result, Is.Null));
        stop.Cancel();
        ticking.Wait();

        var lost = Enumerable.Range(0, fresh).Count(i => throttle.BeginAsync($"fresh{i}", "192.0.2.99").Result is null);
        Assert.That(lost, Is.Zero, "every counted attempt still counts");
    }

    [Test]
    public void Attempts_past_ten_thousand_keys_do_not_each_rescan_every_key()
    {
        var throttle = Throttle(new ManualClock(), maxFailuresPerLogin: 10);
        var watch = Stopwatch.StartNew();

        for (var i = 0; i < 16_000; i++)
            Assert.That(throttle.BeginAsync($"name{i}", $"198.51.100.{i % 250}").Result, Is.Null);

        // One scan of every key per attempt would be 6,000 scans of 10,000 keys or more: half a minute here.
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void Keys_whose_attempts_expired_count_nothing_after_a_sweep()
    {
        var clock = new ManualClock();
        var throttle = Throttle(clock, maxFailuresPerLogin: 2);
        _ = throttle.BeginAsync("alice", "192.0.2.1").Result;
        _ = throttle.BeginAsync("alice", "192.0.2.1").Result;
        Assert.That(throttle.BeginAsync("alice", "192.0.2.1").Result, Is.EqualTo(TimeSpan.FromMinutes(15)));

        clock.Advance(TimeSpan.FromMinutes(16));

        Assert.That(throttle.BeginAsync("bob", "192.0.2.1").Result, Is.Null, "this attempt sweeps");
        Assert.That(throttle.BeginAsync("alice", "192.0.2.1").Result, Is.Null);
        Assert.That(throttle.BeginAsync("alice", "192.0.2.1").Result, Is.Null);
        Assert.That(throttle.BeginAsync("alice", "192.0.2.1").Result, Is.Not.Null);
    }

    private static LoginThrottle Throttle(TimeProvider clock, int maxFailuresPerLogin) =>
        new(Options.Create(new LoginThrottleOptions { MaxFailuresPerLogin = maxFailuresPerLogin, MaxFailuresPerAddress = 1_000_000, WindowMinutes = 15 }),
            new AttemptWindow(clock));

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
