using System.Diagnostics;

namespace TcpState.Cli.Tests;

/// <summary>Runs the real tcpstate executable (built beside the tests) as a separate process.</summary>
internal static class TcpstateProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args) => Run(args, stdin: null);

    /// <summary>The built tcpstate.dll under <c>dotnet</c>, every standard stream redirected.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? workingDirectory = null) =>
        CommandStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "tcpstate.dll"), .. args], workingDirectory);

    /// <summary><paramref name="program"/> (tcpstate from elsewhere, or a wrapper that runs it), every standard stream redirected.</summary>
    public static ProcessStartInfo CommandStartInfo(string program, IEnumerable<string> args, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return start;
    }

    public static Result Run(string[] args, byte[]? stdin, string? workingDirectory = null)
    {
        var start = StartInfo(args, workingDirectory);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
