using System.Diagnostics;
using System.Text.Json;

namespace TcpState.Fuzzing;

/// <summary>
/// The real executable, built beside the fuzzer, run on an input as a user would: mostly
/// <c>tcpstate read --format json FILE</c>, in turn the other formats, <c>-C --max-connections 3</c>, the input on
/// stdin, the input twice in one run, and <c>tcpstate check</c> with JUnit and JSON reports. <c>read</c> must end with exit 0 or 2 (<c>check</c> also 1);
/// stderr must be empty or one line starting <c>tcpstate:</c> with no stack trace; JSON output must parse, line by
/// line, ending with the summary, whose frame counts add up and agree with the in-process run of the same bytes; the
/// reports must parse. The child's GC heap is hard-limited, so unbounded memory shows as a crash.
/// </summary>
internal static class ProcessTarget
{
    public const string Name = "tcpstate-read";

    /// <summary>256 MiB: far above what these small inputs need, far below what an unbounded table would reach.</summary>
    public const string HeapHardLimit = "0x10000000";

    /// <summary>A run longer than this is a hang, not a slow input (the biggest seeds take well under a second).</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string Executable { get; } = Path.Combine(AppContext.BaseDirectory, "tcpstate.dll");

    /// <summary>How many ways the executable is run; <see cref="Run"/> takes one by number.</summary>
    public const int Variants = 10;

    public static void Run(byte[] input, string workDirectory, long expectedFrames, int variant, List<Finding> findings)
    {
        Directory.CreateDirectory(workDirectory);
        string stem = Path.Combine(workDirectory, $"input-{Environment.CurrentManagedThreadId}-{Guid.NewGuid():N}");
        string path = stem + ".pcap", junit = stem + ".xml", json = stem + ".json";
        File.WriteAllBytes(path, input);
        try
        {
            string[] arguments = (variant % Variants) switch
            {
                2 => ["read", "--format", "zeek", path],
                3 => ["read", "--format", "csv", path],
                4 => ["read", "--format", "table", path],
                5 => ["read", path],
                6 => ["check", path, "--junit", junit, "--json", json],
                7 => ["read", "--format", "json", "-C", "--max-connections", "3", path],
                8 => ["read", "--format", "json", "-"],
                9 => ["read", "--format", "json", path, path],
                _ => ["read", "--format", "json", path],
            };
            // Each input is one problem at most: two inputs may say two lines; the frames are counted twice.
            int inputs = arguments.Count(a => a == path || a == "-");
            var (exitCode, stdout, stderr) = Execute(arguments, arguments[^1] == "-" ? input : null);
            string command = string.Join(' ', arguments).Replace(path, "FILE", StringComparison.Ordinal);
            int before = findings.Count;
            if (arguments[0] == "check")
                CheckReports(exitCode, stderr, junit, json, findings);
            else if (arguments is [_, "--format", "json", ..])
                Check(exitCode, stdout, stderr, inputs * expectedFrames, inputs, findings);
            else
                CheckExitAndStderr(exitCode, stderr, findings);
            for (int i = before; i < findings.Count; i++)
                findings[i] = findings[i] with { Detail = $"tcpstate {command}: {findings[i].Detail}" };
        }
        finally
        {
            foreach (var file in (ReadOnlySpan<string>)[path, junit, json])
                File.Delete(file);
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) Execute(string[] arguments, byte[]? standardInput)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Executable);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_GCHeapHardLimit"] = HeapHardLimit;
        start.Environment["DOTNET_TieredPGO"] = "0"; // start-up cost is what dominates these short runs
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (standardInput is not null)
                process.StandardInput.BaseStream.Write(standardInput);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // tcpstate stopped reading (a bad header ends the input early): the pipe closing is not a finding.
        }
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, stdout.Result, "(killed after " + Timeout + ") " + stderr.Result);
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Exit 0 with nothing on stderr, or exit 2 with one line and no stack trace (<c>check</c>: 1 means a rule failed).</summary>
    private static bool CheckExitAndStderr(int exitCode, string stderr, List<Finding> findings, bool ruleFailureAllowed = false,
        int inputs = 1)
    {
        if (exitCode is not (0 or 2) && !(ruleFailureAllowed && exitCode == 1))
        {
            findings.Add(new Finding(Name, "exit-0-or-2", $"exit {exitCode}; stderr: {stderr}", $"{Name}/exit-{exitCode}/{StackTop(stderr)}"));
            return false;
        }
        var errorLines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        bool oneLine = errorLines.Length >= 1 && errorLines.Length <= inputs &&
                       errorLines.All(l => l.StartsWith("tcpstate: ", StringComparison.Ordinal)) &&
                       !stderr.Contains("   at ", StringComparison.Ordinal) && !stderr.Contains("Exception", StringComparison.Ordinal);
        if (exitCode == 2 ? !oneLine : stderr.Length != 0)
        {
            findings.Add(Finding.Broken(Name, "one-line-error", $"exit {exitCode} with stderr: {stderr}"));
            return false;
        }
        return true;
    }

    private static void CheckReports(int exitCode, string stderr, string junit, string json, List<Finding> findings)
    {
        if (!CheckExitAndStderr(exitCode, stderr, findings, ruleFailureAllowed: true))
            return;
        try
        {
            System.Xml.Linq.XDocument.Load(junit);
            using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        }
        catch (Exception e) when (e is System.Xml.XmlException or JsonException or IOException)
        {
            findings.Add(Finding.Broken(Name, "reports-parse", $"exit {exitCode}: {e.GetType().Name}: {e.Message}"));
        }
    }

    private static void Check(int exitCode, string stdout, string stderr, long expectedFrames, int inputs, List<Finding> findings)
    {
        if (!CheckExitAndStderr(exitCode, stderr, findings, inputs: inputs))
            return;

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
            if (errors > inputs)
                findings.Add(Finding.Broken(Name, "one-line-error", $"{errors} errors for {inputs} input(s)"));
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
