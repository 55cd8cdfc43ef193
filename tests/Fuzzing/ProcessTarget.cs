using System.Diagnostics;
using System.Text.Json;

namespace TcpState.Fuzzing;

/// <summary>
/// The real executable, <c>tcpstate read --format json FILE</c>, built beside the fuzzer, run on an input as a user
/// would. It must end with exit 0 or 2; stderr must be empty or one line starting <c>tcpstate:</c> with no stack
/// trace; every stdout line must be JSON, ending with the summary, whose frame counts add up and agree with the
/// in-process run of the same bytes. The child's GC heap is hard-limited, so unbounded memory shows as a crash.
/// </summary>
internal static class ProcessTarget
{
    public const string Name = "tcpstate-read";

    /// <summary>256 MiB: far above what these small inputs need, far below what an unbounded table would reach.</summary>
    public const string HeapHardLimit = "0x10000000";

    /// <summary>A run longer than this is a hang, not a slow input (the biggest seeds take well under a second).</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string Executable { get; } = Path.Combine(AppContext.BaseDirectory, "tcpstate.dll");

    public static void Run(byte[] input, string workDirectory, long expectedFrames, List<Finding> findings)
    {
        Directory.CreateDirectory(workDirectory);
        string path = Path.Combine(workDirectory, $"input-{Environment.CurrentManagedThreadId}-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, input);
        try
        {
            var (exitCode, stdout, stderr) = Execute(path);
            Check(exitCode, stdout, stderr, expectedFrames, findings);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) Execute(string path)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Executable);
        foreach (var argument in (ReadOnlySpan<string>)["read", "--format", "json", path])
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_GCHeapHardLimit"] = HeapHardLimit;
        start.Environment["DOTNET_TieredPGO"] = "0"; // start-up cost is what dominates these short runs
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, stdout.Result, "(killed after " + Timeout + ") " + stderr.Result);
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static void Check(int exitCode, string stdout, string stderr, long expectedFrames, List<Finding> findings)
    {
        if (exitCode is not (0 or 2))
        {
            findings.Add(new Finding(Name, "exit-0-or-2", $"exit {exitCode}; stderr: {stderr}", $"{Name}/exit-{exitCode}/{StackTop(stderr)}"));
            return;
        }
        var errorLines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        bool oneLine = errorLines.Length == 1 && errorLines[0].StartsWith("tcpstate: ", StringComparison.Ordinal) &&
                       !stderr.Contains("   at ", StringComparison.Ordinal) && !stderr.Contains("Exception", StringComparison.Ordinal);
        if (exitCode == 0 ? stderr.Length != 0 : !oneLine)
        {
            findings.Add(Finding.Broken(Name, "one-line-error", $"exit {exitCode} with stderr: {stderr}"));
            return;
        }

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        JsonDocument? summary = null;
        try
        {
            foreach (var line in lines)
            {
                var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("record", out var kind))
                {
                    findings.Add(Finding.Broken(Name, "json-lines", $"a line without a record kind: {line}"));
                    return;
                }
                if (kind.GetString() == "summary") summary = document;
                else document.Dispose();
            }
        }
        catch (JsonException e)
        {
            findings.Add(Finding.Broken(Name, "json-lines", $"stdout does not parse: {e.Message}"));
            return;
        }
        if (exitCode == 2 && lines.Length == 0)
            return; // the input could not be opened at all: one line on stderr, nothing on stdout
        if (summary is null || !lines[^1].Contains("\"record\":\"summary\"", StringComparison.Ordinal))
        {
            findings.Add(Finding.Broken(Name, "json-lines", "no summary line at the end"));
            return;
        }

        using (summary)
        {
            var frames = summary.RootElement.GetProperty("frames");
            long read = frames.GetProperty("read").GetInt64();
            long outcomes = 0;
            foreach (var name in (ReadOnlySpan<string>)["tcp", "other_protocol", "non_first_fragment", "truncated_by_snaplen", "malformed", "unsupported_link_type"])
                outcomes += frames.GetProperty(name).GetInt64();
            long byReason = frames.GetProperty("malformed_by_reason").EnumerateObject().Sum(p => p.Value.GetInt64());
            if (outcomes != read || byReason != frames.GetProperty("malformed").GetInt64())
                findings.Add(Finding.Broken(Name, "accounting-adds-up", $"summary frames do not add up: {frames}"));
            if (read != expectedFrames)
                findings.Add(Finding.Broken(Name, "same-as-in-process", $"{read} frames read by tcpstate, {expectedFrames} in process"));
            int errors = summary.RootElement.GetProperty("errors").GetArrayLength();
            if ((errors > 0) != (exitCode == 2))
                findings.Add(Finding.Broken(Name, "exit-0-or-2", $"exit {exitCode} with {errors} errors in the summary"));
        }
    }

    private static string StackTop(string stderr)
    {
        var line = stderr.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at TcpState.", StringComparison.Ordinal)) ?? "";
        int parameters = line.IndexOf('(', StringComparison.Ordinal);
        return parameters > 0 ? line[..parameters] : line;
    }
}
