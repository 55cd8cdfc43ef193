using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Live;

namespace TcpState.Cli.Live;

/// <summary>
/// The terminal dashboard: connections per RFC state on each side, SYN / SYN-ACK / RST / FIN rates, listeners,
/// TIME_WAIT per host, the oldest CLOSE_WAIT and FIN_WAIT_2 endpoints, the alert feed and libpcap's counters.
/// </summary>
/// <remarks>
/// The capture thread hands over an immutable <see cref="LiveStatus"/> about once a second (<see cref="OnStatus"/>
/// only swaps a reference); this class renders it on its own thread, so however slow the terminal, packet processing
/// never waits for it. It redraws when a new status arrives or the terminal's width changes, and reads 'q' from the
/// keyboard. Runs in the terminal's alternate screen, as top does, so the final summary lands on a clean screen.
/// </remarks>
internal sealed class Dashboard : ILiveOutput
{
    private const int AlertRows = 8;
    private LiveStatus? _latest;
    private int _version;

    public void OnStatus(LiveStatus status)
    {
        Volatile.Write(ref _latest, status);
        Interlocked.Increment(ref _version);
    }

    public void OnConnection(in ConnectionView connection)
    {
    }

    /// <summary>Anomalies reach the alert feed through the census's snapshot.</summary>
    public void OnRaised(Anomaly anomaly)
    {
    }

    public void Flush()
    {
    }

    /// <summary>Shows the dashboard until <paramref name="captureEnded"/> is set; 'q' calls <paramref name="quit"/>.</summary>
    public void Run(string device, WaitHandle captureEnded, Action quit)
    {
        // Spectre writes a screen as thousands of small pieces, and Console.Out sends each to the terminal at once: a
        // system call and a wake-up of the terminal per piece, most of a render's cost. Buffered, a screen goes out in
        // a few writes when the loop flushes. (Set before Spectre's console is first used, so that it writes here.)
        var screen = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };
        Console.SetOut(screen);

        void Show() => AnsiConsole.Live(Waiting(device))
            .AutoClear(false)
            .Overflow(VerticalOverflow.Crop)
            .Cropping(VerticalOverflowCropping.Bottom)
            .Start(context => Loop(context, captureEnded, quit));

        try
        {
            if (AnsiConsole.Profile.Capabilities.AlternateBuffer)
                AnsiConsole.AlternateScreen(Show);
            else
                Show();
        }
        finally
        {
            Console.Out.Flush();
        }
    }

    private void Loop(LiveDisplayContext context, WaitHandle captureEnded, Action quit)
    {
        bool keyboard = !Console.IsInputRedirected;
        int shownVersion = 0, shownWidth = 0;
        do
        {
            while (keyboard && Console.KeyAvailable)
            {
                var key = Console.ReadKey(intercept: true);
                if (key.KeyChar is 'q' or 'Q')
                    quit();
            }
            int version = Volatile.Read(ref _version);
            int width = AnsiConsole.Profile.Width;
            if ((version != shownVersion || width != shownWidth) && Volatile.Read(ref _latest) is { } status)
            {
                context.UpdateTarget(Render(status));
                context.Refresh();
                Console.Out.Flush();
                shownVersion = version;
                shownWidth = width;
            }
        }
        while (!captureEnded.WaitOne(50));
    }

    /// <summary>
    /// Renders a dashboard once off screen. Laying out Spectre's tables the first time compiles a great deal of code;
    /// done before the capture opens, that CPU is not taken from the capture thread while the first packets pour in.
    /// </summary>
    public static void WarmUp(string device, Capture.LinkType linkType)
    {
        var offScreen = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.TrueColor,
            Out = new AnsiConsoleOutput(TextWriter.Null),
        });
        var status = new LiveStatus
        {
            Device = device,
            LinkType = linkType,
            Census = new ConnectionCensus().TakeSnapshot(Capture.PacketTime.Zero),
            Capture = default,
            ElapsedSeconds = 0,
            FramesRead = 0,
            TcpFrames = 0,
            ConnectionsTracked = 0,
            ConnectionsCreated = 0,
        };
        offScreen.Write(Render(status));
    }

    private static IRenderable Waiting(string device) =>
        new Markup($"[bold]tcpstate live[/]  listening on [bold]{Markup.Escape(device)}[/] ...  [dim]q or Ctrl+C quits[/]");

    public static IRenderable Render(LiveStatus status)
    {
        var census = status.Census;
        var header = new Markup(
            $"[bold]tcpstate live[/]  listening on [bold]{Markup.Escape(status.Device)}[/]" +
            (status.Filter is null ? "" : $"  filter [bold]{Markup.Escape(status.Filter)}[/]") +
            $"  up {Elapsed(status.ElapsedSeconds)}  clock {Markup.Escape(census.Time.ToString())}" +
            $"  [dim]q or Ctrl+C quits[/]");

        return new Rows(
            header,
            new Columns(States(census, status), Rates(census), CaptureTable(status)) { Expand = false },
            new Columns(Listeners(census), TimeWaitHosts(census)) { Expand = false },
            new Columns(Lingering("Oldest CLOSE_WAIT", census.CloseWait, census.OldestCloseWait),
                Lingering("Oldest FIN_WAIT_2", census.FinWait2, census.OldestFinWait2)) { Expand = false },
            Alerts(census));
    }

    private static Table States(CensusSnapshot census, LiveStatus status)
    {
        var table = NewTable($"Connections by state ({N(status.ConnectionsTracked)} tracked)", 1, "state", "originator", "responder");
        foreach (var state in Enum.GetValues<RfcState>())
        {
            long originators = census.Originators(state), responders = census.Responders(state);
            table.AddRow(Cell(state.ToRfcName(), originators + responders > 0), Number(originators), Number(responders));
        }
        return table;
    }

    private static Table Rates(CensusSnapshot census)
    {
        var table = NewTable("Segments", 1, "", "per second", "total");
        void Row(string name, double rate, double total) =>
            table.AddRow(new Text(name), Number(rate, "N1"), Number(total));
        Row("SYN", census.Rates.Syn, census.Totals.Syn);
        Row("SYN-ACK", census.Rates.SynAck, census.Totals.SynAck);
        Row("RST", census.Rates.Rst, census.Totals.Rst);
        Row("FIN", census.Rates.Fin, census.Totals.Fin);
        Row("all TCP", census.Rates.Segments, census.Totals.Segments);
        return table;
    }

    private static Table CaptureTable(LiveStatus status)
    {
        var table = NewTable("Capture (pcap_stats)", 1, "", "packets");
        table.AddRow(new Text("received"), Number(status.Capture.Received));
        table.AddRow(new Text("dropped by kernel"), Alarm(status.Capture.DroppedByKernel));
        table.AddRow(new Text("dropped by interface"), Alarm(status.Capture.DroppedByInterface));
        table.AddRow(new Text("frames read"), Number(status.FramesRead));
        table.AddRow(new Text("TCP frames"), Number(status.TcpFrames));
        if (status.WritePath is not null)
            table.AddRow(new Text($"written to {status.WritePath}"), Number(status.FramesWritten));
        return table;
    }

    private static Table Listeners(CensusSnapshot census)
    {
        var table = NewTable("Listeners (responder side)", 1, "endpoint", "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "all");
        foreach (var listener in census.Listeners)
            table.AddRow(new Text(listener.Endpoint.ToString()), Alarm(listener[RfcState.SynReceived]),
                Number(listener[RfcState.Established]), Number(listener[RfcState.CloseWait]),
                Number(listener[RfcState.LastAck]), Number(listener.Total));
        if (census.Listeners.Count == 0)
            table.AddRow(new Markup("[dim]none[/]"));
        return table;
    }

    private static Table TimeWaitHosts(CensusSnapshot census)
    {
        var table = NewTable($"TIME_WAIT by host ({N(census.TimeWait)})", 1, "host", "TIME_WAIT");
        foreach (var host in census.TimeWaitByHost)
            table.AddRow(new Text(host.Host.ToString()), Number(host.Count));
        if (census.TimeWaitByHost.Count == 0)
            table.AddRow(new Markup("[dim]none[/]"));
        return table;
    }

    private static Table Lingering(string title, long total, IReadOnlyList<LingeringEndpoint> oldest)
    {
        var table = NewTable($"{title} ({N(total)})", 2, "endpoint", "peer", "age");
        foreach (var endpoint in oldest)
            table.AddRow(new Text(endpoint.Local.ToString()), new Text(endpoint.Peer.ToString()), new Text(Age(endpoint.AgeSeconds)));
        if (oldest.Count == 0)
            table.AddRow(new Markup("[dim]none[/]"));
        return table;
    }

    private static Table Alerts(CensusSnapshot census)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle($"Alerts ({N(census.AlertsRaised)} raised)") };
        foreach (var name in (string[])["first seen", "severity", "anomaly", "subject"])
            table.AddColumn(name);
        table.AddColumn(new TableColumn("count").RightAligned());
        table.AddColumn("message");
        table.Expand();
        foreach (var alert in census.RecentAlerts.Take(AlertRows))
        {
            table.AddRow(new Text(alert.FirstSeen.ToString()), new Markup(Severity(alert.Severity)), new Text(alert.Id),
                new Text(alert.Subject), Number(alert.Count), new Text(alert.Message));
        }
        if (census.RecentAlerts.Count == 0)
            table.AddRow(new Markup("[dim]none so far[/]"));
        return table;
    }

    /// <summary>A table whose first <paramref name="textColumns"/> columns are words and the rest figures (right-aligned).</summary>
    private static Table NewTable(string title, int textColumns, params string[] columns)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle(Markup.Escape(title)) };
        for (int i = 0; i < columns.Length; i++)
        {
            var column = new TableColumn(Markup.Escape(columns[i]));
            table.AddColumn(i < textColumns ? column : column.RightAligned());
        }
        return table;
    }

    private static IRenderable Cell(string text, bool bright) => bright ? new Markup($"[bold]{Markup.Escape(text)}[/]") : new Markup($"[dim]{Markup.Escape(text)}[/]");

    private static IRenderable Number(double value, string format = "N0") =>
        value == 0 ? new Markup("[dim]0[/]") : new Text(value.ToString(format, CultureInfo.InvariantCulture));

    private static IRenderable Alarm(long value) =>
        value == 0 ? new Markup("[dim]0[/]") : new Markup($"[bold red]{N(value)}[/]");

    private static string Severity(AnomalySeverity severity) => severity switch
    {
        AnomalySeverity.Critical => "[bold red]critical[/]",
        AnomalySeverity.High => "[red]high[/]",
        AnomalySeverity.Medium => "[yellow]medium[/]",
        AnomalySeverity.Low => "[blue]low[/]",
        _ => "[dim]info[/]",
    };

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Elapsed(double seconds) => TimeSpan.FromSeconds(Math.Floor(seconds)).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static string Age(double seconds) => seconds < 120
        ? seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : TimeSpan.FromSeconds(Math.Floor(seconds)).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);
}
