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

/// <summary>
/// The service as a process of its own (the build's Messenger.dll), for what an instance inside
/// the test process cannot do: die at once, without closing its connections or saying goodbye.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string?> changes)
    {
        var root = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        var configuration = root.Parent!.Name;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Messenger.sln")))
            root = root.Parent;
        var dll = Path.Combine(root!.FullName, "bin", configuration, "net10.0", "Messenger.dll");
        var port = Testing.FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = root.FullName };
        var settings = Testing.TestSettings();
        foreach (var (key, value) in changes)
            settings[key] = value;
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__")] = value;
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        var process = ChildProcesses.Start(start);
        using var http = new HttpClient { BaseAddress = address };
        for (var attempt = 0; attempt < 300 && !process.HasExited; attempt++)
        {
            try
            {
                if ((await http.GetAsync("/health/live")).IsSuccessStatusCode)
                    return new ServiceProcess(process, address);
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        ChildProcesses.Kill(process);
        Assert.Fail($"{dll} did not answer on {address}.");
        throw new InvalidOperationException();
    }

    /// <summary>SIGKILL: no shutdown, no disconnects, no last heartbeat.</summary>
    public void Kill() => ChildProcesses.Kill(_process);

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
