using System.Diagnostics;

namespace Messenger.Tests;

/// <summary>The servers tests start as processes of their own (s3rver, Redis, the service itself).</summary>
public static class ChildProcesses
{
    /// <summary>Starts it with its output read and dropped, so a full pipe never blocks it.</summary>
    public static Process Start(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Kills it (SIGKILL, children too) and waits until it is gone.</summary>
    public static void Kill(Process process)
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }
}
