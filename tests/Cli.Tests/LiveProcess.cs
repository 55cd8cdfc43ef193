using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace TcpState.Cli.Tests;

/// <summary>
/// A running <c>tcpstate</c> whose output the test reads as it comes: tests wait for the "listening on" line, for a JSON
/// record, for the process to exit — events, with a generous bound only as a failure guard.
/// </summary>
internal sealed partial class LiveProcess : IDisposable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly object _gate = new();
    private readonly List<string> _stdout = [];
    private readonly StringBuilder _stderr = new();
    private readonly List<JsonElement> _records = [];

    private LiveProcess(Process process)
    {
        _process = process;
    }

    public static LiveProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tcpstate.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var live = new LiveProcess(process);
        process.OutputDataReceived += (_, e) => live.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => live.OnStderr(e.Data);
        process.Exited += (_, _) => live.Pulse();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return live;
    }

    public int Id => _process.Id;

    public string Stderr
    {
        get { lock (_gate) return _stderr.ToString(); }
    }

    public IReadOnlyList<JsonElement> Records(string kind)
    {
        lock (_gate)
            return _records.Where(r => r.GetProperty("record").GetString() == kind).ToList();
    }

    /// <summary>Waits for libpcap to be capturing: tcpstate prints "listening on" once the filter is in place.</summary>
    public void WaitUntilListening() => WaitFor(() => _stderr.ToString().Contains("listening on"), "the 'listening on' line");

    /// <summary>Waits for a JSON line of <paramref name="kind"/> that satisfies <paramref name="match"/>, and returns it.</summary>
    public JsonElement WaitForRecord(string kind, Func<JsonElement, bool> match, string what)
    {
        JsonElement found = default;
        WaitFor(() =>
        {
            foreach (var record in _records)
            {
                if (record.GetProperty("record").GetString() == kind && match(record))
                {
                    found = record;
                    return true;
                }
            }
            return false;
        }, what);
        return found;
    }

    public void Signal(int signal) => Assert.Equal(0, kill(_process.Id, signal));

    public TcpstateProcess.Result WaitForExit()
    {
        Assert.True(_process.WaitForExit(Guard), "tcpstate did not exit");
        _process.WaitForExit(); // drains the asynchronous output readers
        lock (_gate)
            return new TcpstateProcess.Result(_process.ExitCode, string.Join('\n', _stdout) + "\n", _stderr.ToString());
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Guard;
        lock (_gate)
        {
            while (!condition())
            {
                var left = deadline - DateTime.UtcNow;
                Assert.True(left > TimeSpan.Zero, $"waited for {what}; stderr: {_stderr}; stdout: {string.Join('\n', _stdout.TakeLast(5))}");
                if (_process.HasExited && !condition())
                    Assert.Fail($"tcpstate exited ({_process.ExitCode}) before {what}; stderr: {_stderr}");
                Monitor.Wait(_gate, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            }
        }
    }

    private void OnStdout(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
        {
            _stdout.Add(line);
            if (line.StartsWith('{'))
                _records.Add(JsonDocument.Parse(line).RootElement);
            Monitor.PulseAll(_gate);
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
        {
            _stderr.AppendLine(line);
            Monitor.PulseAll(_gate);
        }
    }

    private void Pulse()
    {
        lock (_gate)
            Monitor.PulseAll(_gate);
    }

    [LibraryImport("libc")]
    private static partial int kill(int pid, int signal);
}
