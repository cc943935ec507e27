using System.Diagnostics;

namespace Messenger.Tests;

/// <summary>
/// An s3rver of the test's own, on a free port with its own directory, so a test can stop and
/// restart storage without touching the shared dev server. The binary comes from
/// scripts/services.sh (.local/s3rver).
/// </summary>
public sealed class S3rverProcess : IDisposable
{
    private readonly string _binary;
    private Process? _process;

    public S3rverProcess()
    {
        var root = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Messenger.sln")))
            root = root.Parent;
        _binary = Path.Combine(root?.FullName ?? "", ".local", "s3rver", "node_modules", ".bin", "s3rver");
        if (!File.Exists(_binary))
            Assert.Fail($"{_binary} is missing; run scripts/services.sh, which installs it.");
        Port = Testing.FreePort();
        Directory = System.IO.Directory.CreateTempSubdirectory("messenger-s3rver-").FullName;
    }

    public int Port { get; }

    /// <summary>Where s3rver keeps buckets and objects, one file per object.</summary>
    public string Directory { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
            return;
        _process = ChildProcesses.Start(new ProcessStartInfo(_binary,
            ["--directory", Directory, "--address", "127.0.0.1", "--port", Port.ToString(), "--silent"]));
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                await http.GetAsync($"http://{Endpoint}/");
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Fail($"s3rver did not answer on {Endpoint}.");
    }

    public void Stop()
    {
        if (_process is null)
            return;
        ChildProcesses.Kill(_process);
        _process.Dispose();
        _process = null;
    }

    /// <summary>The objects in a bucket, read from s3rver's directory: s3rver cannot list a bucket for the Minio client.</summary>
    public string[] ObjectFiles(string bucket)
    {
        var path = System.IO.Path.Combine(Directory, bucket);
        return System.IO.Directory.Exists(path)
            ? System.IO.Directory.GetFiles(path, "*._S3rver_object", SearchOption.AllDirectories)
            : [];
    }

    /// <summary>
    /// Multipart uploads begun and never completed (one directory each, holding the parts sent so
    /// far). Read from s3rver's directory: s3rver 3.7.1 answers ListMultipartUploads (GET
    /// ?uploads) with NotImplemented, and cannot abort an upload either.
    /// </summary>
    public string[] InProgressUploads(string bucket)
    {
        var path = System.IO.Path.Combine(Directory, bucket, "._S3rver_uploads");
        return System.IO.Directory.Exists(path) ? System.IO.Directory.GetDirectories(path) : [];
    }

    public void Dispose()
    {
        Stop();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
