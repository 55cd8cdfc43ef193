using System.Diagnostics;

namespace TcpState.Cli.Tests;

/// <summary>
/// The built tcpstate copied to a world-readable temporary folder, so that it can be run as 'nobody' (the build output
/// under the repository may not be readable by other users), with DOTNET_CLI_HOME pointing where 'nobody' may write.
/// </summary>
internal sealed class UnprivilegedCopy : IDisposable
{
    private UnprivilegedCopy(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string Dll => Path.Combine(Directory, "tcpstate.dll");

    /// <summary>The native launcher (apphost), the file a user would grant capabilities to.</summary>
    public string Executable => Path.Combine(Directory, "tcpstate");

    public static UnprivilegedCopy Create()
    {
        string directory = Path.Combine("/tmp", "tcpstate-nobody-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        foreach (var file in System.IO.Directory.GetFiles(AppContext.BaseDirectory))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        Assert.Equal(0, Run("chmod", "-R", "a+rX", directory).ExitCode);
        return new UnprivilegedCopy(directory);
    }

    /// <summary>Runs a command as nobody:nogroup with no supplementary groups (and so without CAP_NET_RAW).</summary>
    public TcpstateProcess.Result RunAsNobody(params string[] command)
    {
        string[] prefix = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", $"DOTNET_CLI_HOME={Directory}", $"HOME={Directory}"];
        return Run("setpriv", [.. prefix, .. command]);
    }

    public static TcpstateProcess.Result Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(LiveProcess.Guard), $"{program} did not exit");
        process.WaitForExit();
        return new TcpstateProcess.Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
