using System.Diagnostics;

namespace Messenger.Tests;

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
