using System.Diagnostics;
using StackExchange.Redis;

namespace Messenger.Tests;

/// <summary>
/// A Redis of the test's own on a free port, without persistence, so a test can kill and restart
/// it without touching the shared one (scripts/services.sh installs redis-server).
/// </summary>
public sealed class RedisProcess : IDisposable
{
    private Process? _process;

    public int Port { get; } = Testing.FreePort();

    public string Configuration => $"127.0.0.1:{Port}";

    public async Task StartAsync()
    {
        _process = ChildProcesses.Start(new ProcessStartInfo("redis-server",
            ["--bind", "127.0.0.1", "--port", Port.ToString(), "--save", "", "--appendonly", "no"]));
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                await using var redis = await ConnectionMultiplexer.ConnectAsync(Configuration);
                await redis.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Fail($"redis-server did not answer on {Configuration}.");
    }

    /// <summary>Kills it outright, as a crash would: whatever it held is gone.</summary>
    public void Kill()
    {
        if (_process is null)
            return;
        ChildProcesses.Kill(_process);
        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();

    /// <summary>The shared Redis of scripts/services.sh (MESSENGER_TEST_REDIS to use another).</summary>
    public static string Shared => Environment.GetEnvironmentVariable("MESSENGER_TEST_REDIS") ?? "127.0.0.1:6380";
}
