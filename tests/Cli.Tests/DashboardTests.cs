namespace TcpState.Cli.Tests;

/// <summary>
/// The live dashboard in a real pseudo-terminal (tmux), watching connections the test opens on loopback: the screen
/// must show the per-state counts, use the terminal's width, and quit with 'q' or Ctrl+C into the final summary.
/// </summary>
[Collection(nameof(LoopbackTraffic))]
public class DashboardTests
{
    private const int Width = 200, Height = 60;

    private static string Command(Loopback loopback) =>
        $"dotnet '{Path.Combine(AppContext.BaseDirectory, "tcpstate.dll")}' live -i lo --filter '{loopback.Filter}'; " +
        "echo \"tcpstate exited $?\"; exec sleep 600";

    /// <summary>The originator and responder counts in the states table's row for <paramref name="state"/>.</summary>
    private static (int Originator, int Responder)? Row(string screen, string state)
    {
        foreach (var line in screen.Split('\n'))
        {
            var cells = line.Split('│');
            if (cells.Length > 3 && cells[1].Trim() == state && int.TryParse(cells[2], out int originator) && int.TryParse(cells[3], out int responder))
                return (originator, responder);
        }
        return null;
    }

    [LiveCaptureFact]
    public void Dashboard_ShowsTheStateOfEachSide_AcrossTheTerminal_AndQQuitsIntoTheSummary()
    {
        using var loopback = new Loopback();
        using var terminal = Terminal.Start(Width, Height, Command(loopback));
        terminal.WaitForScreen(screen => screen.Contains("listening on lo"), "the dashboard");

        loopback.ConnectRefused();
        loopback.NormalExchange();
        int lingering = loopback.ServerNeverCloses();

        var screen = terminal.WaitForScreen(s =>
            Row(s, "CLOSE_WAIT") == (0, 1) && Row(s, "FIN_WAIT_2") == (1, 0) && Row(s, "TIME_WAIT") == (1, 0) &&
            s.Contains($"127.0.0.1:{lingering}"), "the state counts of the three connections");
        Assert.Contains($"127.0.0.1:{loopback.Port}", screen);
        Assert.Contains("Oldest CLOSE_WAIT (1)", screen);
        Assert.Contains("TIME_WAIT by host (1)", screen);
        // The alert feed stretches across the whole terminal.
        Assert.Contains(screen.Split('\n'), line => line.StartsWith('╭') && line.TrimEnd().Length == Width);

        terminal.Type("q");
        var summary = terminal.WaitForScreen(s => s.Contains("tcpstate exited"), "tcpstate to exit");

        Assert.Contains("tcpstate exited 0", summary);
        Assert.Contains("stopped by quit", summary);
        Assert.Contains("Connections  3", summary);
        Assert.Contains("REJ", summary);
    }

    [LiveCaptureFact]
    public void AlertFeed_ShowsAnAnomalyAsItFires()
    {
        using var loopback = new Loopback();
        using var terminal = Terminal.Start(Width, Height, Command(loopback));
        terminal.WaitForScreen(screen => screen.Contains("listening on lo"), "the dashboard");

        for (int i = 0; i < 5; i++)
            loopback.ConnectRefused();
        var screen = terminal.WaitForScreen(s => s.Contains("connection-refused"), "the alert in the feed");

        Assert.Contains("Alerts (1 raised)", screen);
        Assert.Contains($"127.0.0.1:{loopback.RefusedPort}", screen);
        terminal.Type("q");
        var summary = terminal.WaitForScreen(s => s.Contains("tcpstate exited"), "tcpstate to exit");
        Assert.Contains("tcpstate exited 0", summary);
        Assert.Contains("connection-refused", summary);
    }

    [LiveCaptureFact]
    public void CtrlC_QuitsTheDashboardIntoTheSummary()
    {
        using var loopback = new Loopback();
        using var terminal = Terminal.Start(Width, Height, Command(loopback));
        terminal.WaitForScreen(screen => screen.Contains("listening on lo"), "the dashboard");
        loopback.NormalExchange();
        terminal.WaitForScreen(s => Row(s, "TIME_WAIT") == (1, 0), "the closed connection's TIME_WAIT");

        terminal.Type("C-c");
        var summary = terminal.WaitForScreen(s => s.Contains("tcpstate exited"), "tcpstate to exit");

        Assert.Contains("tcpstate exited 0", summary);
        Assert.Contains("stopped by interrupt", summary);
        Assert.Contains("Connections  1", summary);
    }
}
