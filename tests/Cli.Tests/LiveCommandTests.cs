using System.Text.Json;

namespace TcpState.Cli.Tests;

/// <summary>
/// <c>tcpstate live</c> on loopback, watching connections the test opens itself (a refused connect, a normal exchange
/// and close, a server that never closes), through the JSON stream it writes when stdout is not a terminal.
/// </summary>
public class LiveCommandTests
{
    private static string Side(JsonElement record, string name) => record.GetProperty(name).GetString()!;

    private static int OrigPort(JsonElement record) => record.GetProperty("id.orig_p").GetInt32();

    private static bool IsTransition(JsonElement record, int clientPort, string side, string to) =>
        OrigPort(record) == clientPort && Side(record, "side") == side && Side(record, "to") == to;

    [LiveCaptureFact]
    public void Json_ReportsTheStatesOfRealConnections_AndInterruptEndsWithSummaryAndValidPcap()
    {
        using var directory = new TemporaryDirectory();
        string pcap = Path.Combine(directory.Path, "live.pcap");
        using var loopback = new Loopback();
        using var live = LiveProcess.Start("live", "-i", "lo", "--filter", loopback.Filter, "-w", pcap,
            "--events", "transitions", "--stats-interval", "0.2");
        live.WaitUntilListening();

        int refused = loopback.ConnectRefused();
        int normal = loopback.NormalExchange();
        int lingering = loopback.ServerNeverCloses();

        live.WaitForRecord("transition", r => IsTransition(r, refused, "orig", "CLOSED"), "the refused client to close");
        live.WaitForRecord("transition", r => IsTransition(r, normal, "orig", "TIME_WAIT"), "the closing client to reach TIME_WAIT");
        live.WaitForRecord("transition", r => IsTransition(r, normal, "resp", "CLOSED"), "the server to close");
        live.WaitForRecord("transition", r => IsTransition(r, lingering, "resp", "CLOSE_WAIT"), "the server left in CLOSE_WAIT");
        live.WaitForRecord("transition", r => IsTransition(r, lingering, "orig", "FIN_WAIT_2"), "its client in FIN_WAIT_2");
        var stats = live.WaitForRecord("stats", r => r.GetProperty("close_wait").GetInt32() == 1, "a stats line with the CLOSE_WAIT");
        live.Signal(LiveProcess.SigInt);
        var result = live.WaitForExit();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(1, stats.GetProperty("resp_state").GetProperty("CLOSE_WAIT").GetInt32());
        Assert.Equal(1, stats.GetProperty("orig_state").GetProperty("FIN_WAIT_2").GetInt32());
        var oldest = Assert.Single(stats.GetProperty("oldest_close_wait").EnumerateArray());
        Assert.Equal($"127.0.0.1:{loopback.Port}", oldest.GetProperty("endpoint").GetString());
        Assert.Equal($"127.0.0.1:{lingering}", oldest.GetProperty("peer").GetString());

        var connections = JsonLines.Records(result.Stdout, "connection").ToDictionary(OrigPort);
        Assert.Equal(3, connections.Count);
        Assert.Equal(("REJ", "CLOSED", "CLOSED"), States(connections[refused]));
        Assert.Equal(("SF", "TIME_WAIT", "CLOSED"), States(connections[normal]));
        Assert.Equal(("S2", "FIN_WAIT_2", "CLOSE_WAIT"), States(connections[lingering]));

        var summary = Assert.Single(JsonLines.Records(result.Stdout, "summary"));
        var capture = summary.GetProperty("capture");
        Assert.Equal("interrupt", capture.GetProperty("stop_reason").GetString());
        Assert.Equal(0, capture.GetProperty("dropped_by_kernel").GetInt64());
        var frames = summary.GetProperty("frames");
        Assert.Equal(frames.GetProperty("read").GetInt64(), frames.GetProperty("tcp").GetInt64());
        Assert.Equal(frames.GetProperty("read").GetInt64(), capture.GetProperty("frames_written").GetInt64());

        // The -w file is a valid pcap holding exactly those frames, and reading it gives the same connections.
        var reread = TcpstateProcess.Run("read", "-f", "json", "-C", pcap);
        Assert.Equal(0, reread.ExitCode);
        var fromFile = JsonLines.Records(reread.Stdout, "connection").ToDictionary(OrigPort);
        Assert.Equal(connections.Keys.Order(), fromFile.Keys.Order());
        foreach (var port in connections.Keys)
            Assert.Equal(WithoutEndReason(connections[port]), WithoutEndReason(fromFile[port]));
        Assert.Equal(frames.GetProperty("read").GetInt64(),
            Assert.Single(JsonLines.Records(reread.Stdout, "summary")).GetProperty("frames").GetProperty("read").GetInt64());
    }

    [LiveCaptureFact]
    public void RepeatedlyRefusedConnections_RaiseAnAnomalyAsItFires_AndOnceMoreWithFinalFigures()
    {
        using var loopback = new Loopback();
        using var live = LiveProcess.Start("live", "-i", "lo", "-f", "json", "--filter", loopback.Filter);
        live.WaitUntilListening();

        // The connection-refused detector fires at its fifth refused SYN toward one address:port.
        var refused = Enumerable.Range(0, 5).Select(_ => loopback.ConnectRefused()).ToList();
        var raised = live.WaitForRecord("anomaly", r => Side(r, "id") == "connection-refused", "the connection-refused anomaly");
        loopback.ConnectRefused();
        live.Signal(LiveProcess.SigInt);
        var result = live.WaitForExit();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"127.0.0.1:{loopback.RefusedPort}", Side(raised, "subject"));
        Assert.Equal(5, raised.GetProperty("count").GetInt64());
        var lines = JsonLines.Records(result.Stdout, "anomaly").Where(r => Side(r, "id") == "connection-refused").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(6, lines[^1].GetProperty("count").GetInt64());
        var summary = Assert.Single(JsonLines.Records(result.Stdout, "summary"));
        Assert.Equal(1, summary.GetProperty("anomalies").GetProperty("connection-refused").GetInt32());
        Assert.Equal(6, JsonLines.Records(result.Stdout, "connection").Count(r => Side(r, "conn_state") == "REJ"));
        Assert.All(refused, port => Assert.Contains(JsonLines.Records(result.Stdout, "connection"), r => OrigPort(r) == port));
    }

    [LiveCaptureFact]
    public void QuietLink_ClockStillAdvances_SoTimeWaitExpiresAndClosedConnectionsAreWritten()
    {
        using var loopback = new Loopback();
        using var live = LiveProcess.Start("live", "-i", "lo", "--filter", loopback.Filter, "--time-wait", "1");
        live.WaitUntilListening();

        int refused = loopback.ConnectRefused();
        int normal = loopback.NormalExchange();

        // No packet follows on these ports: only idle ticks can move the clock past 2MSL and the closed-linger time.
        var expired = live.WaitForRecord("connection", r => OrigPort(r) == normal, "the TIME_WAIT connection's record");
        var rejected = live.WaitForRecord("connection", r => OrigPort(r) == refused, "the refused connection's record");
        live.Signal(LiveProcess.SigTerm);
        var result = live.WaitForExit();

        Assert.Equal("time_wait_expired", Side(expired, "end_reason"));
        Assert.Equal(("SF", "CLOSED", "CLOSED"), States(expired));
        Assert.Equal("closed", Side(rejected, "end_reason"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("interrupt", Assert.Single(JsonLines.Records(result.Stdout, "summary"))
            .GetProperty("capture").GetProperty("stop_reason").GetString());
    }

    [LiveCaptureFact]
    public void PacketCount_StopsTheCapture_AndThePcapHoldsExactlyThosePackets()
    {
        using var directory = new TemporaryDirectory();
        string pcap = Path.Combine(directory.Path, "four.pcap");
        using var loopback = new Loopback();
        using var live = LiveProcess.Start("live", "-i", "lo", "-f", "json", "--filter", $"tcp port {loopback.Port}", "-c", "4", "-w", pcap);
        live.WaitUntilListening();

        loopback.NormalExchange();
        var result = live.WaitForExit();

        Assert.Equal(0, result.ExitCode);
        var summary = Assert.Single(JsonLines.Records(result.Stdout, "summary"));
        Assert.Equal("packet_count", summary.GetProperty("capture").GetProperty("stop_reason").GetString());
        Assert.Equal(4, summary.GetProperty("frames").GetProperty("read").GetInt64());
        var reread = TcpstateProcess.Run("read", "-f", "json", "-C", pcap);
        Assert.Equal(0, reread.ExitCode);
        Assert.Equal(4, Assert.Single(JsonLines.Records(reread.Stdout, "summary")).GetProperty("frames").GetProperty("read").GetInt64());
        if (File.Exists("/usr/bin/tcpdump") || File.Exists("/usr/sbin/tcpdump"))
        {
            var tcpdump = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("tcpdump", ["-nn", "-r", pcap])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string lines = tcpdump.StandardOutput.ReadToEnd();
            tcpdump.WaitForExit();
            Assert.Equal(0, tcpdump.ExitCode);
            Assert.Equal(4, lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }

    [LiveCaptureFact]
    public void Duration_StopsTheCapture()
    {
        var result = TcpstateProcess.Run("live", "-i", "lo", "--filter", "tcp port 9", "--duration", "300ms");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("duration", Assert.Single(JsonLines.Records(result.Stdout, "summary"))
            .GetProperty("capture").GetProperty("stop_reason").GetString());
    }

    [Fact]
    public void UnknownInterface_ListsTheInterfaces_InOneLineWithExitCode2()
    {
        var result = TcpstateProcess.Run("live", "-i", "tcpstate-none0");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("no capture interface named 'tcpstate-none0'", line);
        Assert.Contains("interfaces: ", line);
        Assert.Contains("lo", line);
        Assert.Equal("", result.Stdout);
    }

    [LiveCaptureFact]
    public void BadFilter_GivesLibpcapsMessageWithTheFilter_AndExitCode2()
    {
        var result = TcpstateProcess.Run("live", "-i", "lo", "--filter", "tcp prot 80");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("tcpstate: bad filter 'tcp prot 80': can't parse filter expression: syntax error\n", result.Stderr);
    }

    [LiveCaptureFact]
    public void WithoutPrivilege_TheErrorNamesCapNetRawAndTheSetcapCommand()
    {
        using var copy = UnprivilegedCopy.Create();

        var result = copy.RunAsNobody("dotnet", copy.Dll, "live", "-i", "lo");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tcpstate: no permission to capture on lo", line);
        Assert.Contains("CAP_NET_RAW", line);
        Assert.Contains("setcap cap_net_raw=eip ", line);
        Assert.DoesNotContain(" at ", line);
    }

    [LiveCaptureFact]
    public void TheSetcapCommandItSuggests_LetsAnUnprivilegedUserCapture()
    {
        using var copy = UnprivilegedCopy.Create();
        var refusal = copy.RunAsNobody(copy.Executable, "live", "-i", "lo");
        string suggested = refusal.Stderr[(refusal.Stderr.IndexOf("setcap ", StringComparison.Ordinal))..].Trim();
        Assert.Equal($"setcap cap_net_raw=eip {copy.Executable}", suggested);

        var setcap = System.Diagnostics.Process.Start("setcap", ["cap_net_raw=eip", copy.Executable])!;
        setcap.WaitForExit();
        Assert.Equal(0, setcap.ExitCode);
        var result = copy.RunAsNobody(copy.Executable, "live", "-i", "lo", "-f", "json", "--filter", "tcp port 9", "--duration", "200ms");

        Assert.Equal(0, result.ExitCode);
        Assert.Single(JsonLines.Records(result.Stdout, "summary"));
    }

    [LiveCaptureFact]
    public void MissingLibpcap_SaysWhichPackageToInstall()
    {
        // A private mount namespace in which libpcap is an empty file: the loader fails exactly as if it were absent.
        string library = new FileInfo("/lib/x86_64-linux-gnu/libpcap.so.0.8").ResolveLinkTarget(returnFinalTarget: true)?.FullName
                         ?? "/lib/x86_64-linux-gnu/libpcap.so.0.8";
        Assert.True(File.Exists(library), $"{library} not found");
        string dll = Path.Combine(AppContext.BaseDirectory, "tcpstate.dll");

        var result = UnprivilegedCopy.Run("unshare", "-m", "sh", "-c",
            $"mount --bind /dev/null '{library}' && exec dotnet '{dll}' live -i lo");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("tcpstate: libpcap (libpcap.so.0.8) could not be loaded: install libpcap0.8 (apt-get install libpcap0.8)\n", result.Stderr);
    }

    [LiveCaptureFact]
    public void InterfaceVanishingMidCapture_EndsWithTheSummaryAndOneErrorLine_ExitCode2()
    {
        // A veth pair in a private network namespace: capture on one end, then delete it. Nothing outside is touched.
        using var directory = new TemporaryDirectory();
        string dll = Path.Combine(AppContext.BaseDirectory, "tcpstate.dll");
        string json = Path.Combine(directory.Path, "out.json"), err = Path.Combine(directory.Path, "err.txt");
        string script =
            "ip link add tcpstate0 type veth peer name tcpstate1 && ip link set tcpstate0 up && ip link set tcpstate1 up || exit 99\n" +
            $"dotnet '{dll}' live -i tcpstate0 -f json > '{json}' 2> '{err}' &\n" +
            "pid=$!\n" +
            // Wait (bounded) for the capture to be in place, as the other tests wait for 'listening on'.
            $"for i in $(seq 1 600); do grep -q 'listening on' '{err}' && break; sleep 0.1; done\n" +
            "ip link del tcpstate0\n" +
            "wait $pid\n";

        var shell = UnprivilegedCopy.Run("unshare", "-n", "sh", "-c", script);

        Assert.Equal(2, shell.ExitCode);
        var stderr = File.ReadAllLines(err);
        Assert.Equal(2, stderr.Length);
        Assert.StartsWith("tcpstate: listening on tcpstate0", stderr[0]);
        Assert.StartsWith("tcpstate: capture on tcpstate0 failed: ", stderr[1]);
        var summary = Assert.Single(JsonLines.Records(File.ReadAllText(json), "summary"));
        Assert.Equal("capture_error", summary.GetProperty("capture").GetProperty("stop_reason").GetString());
        Assert.Equal(stderr[1]["tcpstate: ".Length..], Assert.Single(summary.GetProperty("errors").EnumerateArray()).GetString());
    }

    [Fact]
    public void DurationArgument_TakesSecondsAndUnits()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), Commands.LiveCommand.ParseDuration("30"));
        Assert.Equal(TimeSpan.FromSeconds(30), Commands.LiveCommand.ParseDuration("30s"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), Commands.LiveCommand.ParseDuration("500ms"));
        Assert.Equal(TimeSpan.FromMinutes(5), Commands.LiveCommand.ParseDuration("5m"));
        Assert.Equal(TimeSpan.FromHours(2), Commands.LiveCommand.ParseDuration("2h"));
        Assert.Null(Commands.LiveCommand.ParseDuration(null));
        Assert.Throws<UserFacingException>(() => Commands.LiveCommand.ParseDuration("soon"));
        Assert.Throws<UserFacingException>(() => Commands.LiveCommand.ParseDuration("-1"));
    }

    private static (string, string, string) States(JsonElement connection) =>
        (Side(connection, "conn_state"), Side(connection, "orig_state"), Side(connection, "resp_state"));

    /// <summary>The record as text without end_reason: live may end a connection on a timer the file's last packet never reaches.</summary>
    private static string WithoutEndReason(JsonElement connection) =>
        string.Join(",", connection.EnumerateObject().Where(p => p.Name != "end_reason").Select(p => $"{p.Name}={p.Value.GetRawText()}"));
}
