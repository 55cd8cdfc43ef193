using System.Diagnostics;

namespace TcpState.Cli.Tests;

/// <summary>
/// A real pseudo-terminal: a detached tmux session of a fixed size on a private tmux server, whose screen the test
/// reads (capture-pane) and types into (send-keys). The server and everything in it end with this object.
/// </summary>
internal sealed class Terminal : IDisposable
{
    private readonly string _server = "tcpstate-test-" + Guid.NewGuid().ToString("N");

    private Terminal(int width, int height)
    {
        Width = width;
        Height = height;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Starts <paramref name="command"/> (a shell command line) in a new terminal of the given size.</summary>
    public static Terminal Start(int width, int height, string command)
    {
        Assert.True(File.Exists("/usr/bin/tmux"), "tmux is needed for the terminal tests (scripts/test.sh installs it)");
        var terminal = new Terminal(width, height);
        terminal.Tmux("new-session", "-d", "-s", "main", "-x", width.ToString(), "-y", height.ToString(), command);
        return terminal;
    }

    public string Screen() => Tmux("capture-pane", "-p", "-t", "main");

    public void Type(string keys) => Tmux("send-keys", "-t", "main", keys);

    /// <summary>
    /// Waits for the screen to satisfy <paramref name="condition"/> and returns it. A screen has no change event to
    /// wait on, so this looks again every 100 ms; the bound is a failure guard only.
    /// </summary>
    public string WaitForScreen(Func<string, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + LiveProcess.Guard;
        while (true)
        {
            string screen = Screen();
            if (condition(screen))
                return screen;
            Assert.True(DateTime.UtcNow < deadline, $"waited for {what}; the screen shows:\n{screen}");
            Thread.Sleep(100);
        }
    }

    public void Dispose() => Tmux("kill-server");

    private string Tmux(params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_server);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
