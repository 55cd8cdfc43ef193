using System.Text.Json;

namespace TcpState.Cli.Tests;

/// <summary>
/// <c>tcpstate live</c> on loopback, watching connections the test opens itself (a refused connect, a normal exchange
/// and close, a server that never closes), through the JSON stream it writes when stdout is not a terminal.
/// </summary>
[Collection(nameof(LoopbackTraffic))]
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

    [LiveCaptureTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void AsRoot_TheCaptureLoopAloneRunsAtTheLowestRealtimePriority_UnlessAskedNot(bool normalPriority)
    {
        using var loopback = new Loopback();
        string[] args = ["live", "-i", "lo", "-f", "json", "--filter", loopback.Filter];
        using var live = LiveProcess.Start(normalPriority ? [.. args, "--no-realtime"] : args);
        live.WaitUntilListening();
        // A connection's record shows the capture loop running; its priority is set as the loop starts.
        int refused = loopback.ConnectRefused();
        live.WaitForRecord("connection", r => OrigPort(r) == refused, "the refused connection's record");

        var policies = Directory.GetDirectories($"/proc/{live.Id}/task")
            .Select(task => SchedulingPolicy(Path.Combine(task, "stat")))
            .ToList();
        live.Signal(LiveProcess.SigInt);
        Assert.Equal(0, live.WaitForExit().ExitCode);

        const int roundRobin = 2;
        Assert.Equal(normalPriority ? 0 : 1, policies.Count(policy => policy == roundRobin));
        Assert.All(policies, policy => Assert.True(policy is 0 or roundRobin, $"policy {policy}"));
    }

    /// <summary>A thread's scheduling policy: field 41 of /proc/PID/task/TID/stat (0 normal, 2 round-robin).</summary>
    private static int SchedulingPolicy(string statPath)
    {
        string stat = File.ReadAllText(statPath);
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3]);
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
    public void InterfaceVanishingMidCapture_EndsWithTheSummaryOneErrorLineAndAValidPcap_ExitCode2()
    {
        // A veth pair in a private network namespace: capture on one end, send SYNs out of it, then delete it. Nothing
        // outside the namespace is touched.
        using var directory = new TemporaryDirectory();
        string dll = Path.Combine(AppContext.BaseDirectory, "tcpstate.dll");
        string json = Path.Combine(directory.Path, "out.json"), err = Path.Combine(directory.Path, "err.txt");
        string pcap = Path.Combine(directory.Path, "vanish.pcap");
        string script =
            "ip link add tcpstate0 type veth peer name tcpstate1 && ip link set tcpstate1 address 02:00:00:00:00:02 &&\n" +
            "  ip link set tcpstate0 up && ip link set tcpstate1 up || exit 99\n" +
            // A permanent neighbour that never answers: SYNs to it leave through tcpstate0 and are never answered.
            "ip addr add 10.9.0.1/24 dev tcpstate0 && ip neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev tcpstate0 nud permanent || exit 98\n" +
            $"dotnet '{dll}' live -i tcpstate0 -f json --filter tcp -w '{pcap}' > '{json}' 2> '{err}' &\n" +
            "pid=$!\n" +
            // Wait (bounded) for the capture to be in place, as the other tests wait for 'listening on'.
            $"for i in $(seq 1 600); do grep -q 'listening on' '{err}' && break; sleep 0.1; done\n" +
            "for port in 7 9 13; do timeout 20 bash -c \"exec 3<>/dev/tcp/10.9.0.2/$port\" >/dev/null 2>&1 & clients=\"$clients $!\"; done\n" +
            // Then (bounded) for the -w file to hold the three SYNs: its header and three records of 16 + at least 54 bytes.
            $"for i in $(seq 1 600); do [ $(stat -c %s '{pcap}') -ge {24 + 3 * (16 + 54)} ] && break; sleep 0.1; done\n" +
            "ip link del tcpstate0\n" +
            "wait $pid; status=$?\n" +
            "kill $clients 2>/dev/null\n" +
            "exit $status\n";

        var shell = UnprivilegedCopy.Run("unshare", "-n", "sh", "-c", script);

        Assert.Equal(2, shell.ExitCode);
        var stderr = File.ReadAllLines(err);
        Assert.Equal(2, stderr.Length);
        Assert.StartsWith("tcpstate: listening on tcpstate0", stderr[0]);
        Assert.StartsWith("tcpstate: capture on tcpstate0 failed: ", stderr[1]);
        var output = File.ReadAllText(json);
        var summary = Assert.Single(JsonLines.Records(output, "summary"));
        var capture = summary.GetProperty("capture");
        Assert.Equal("capture_error", capture.GetProperty("stop_reason").GetString());
        Assert.Equal(stderr[1]["tcpstate: ".Length..], Assert.Single(summary.GetProperty("errors").EnumerateArray()).GetString());

        // Every frame read before the interface went is in the file, whole, and reads back as the same connections.
        long read = summary.GetProperty("frames").GetProperty("read").GetInt64();
        Assert.True(read >= 3, $"{read} frames read");
        Assert.Equal(read, capture.GetProperty("frames_written").GetInt64());
        var (reread, fromFile) = ReadBackWhole(pcap, read);
        var live = JsonLines.Records(output, "connection").Select(c => (OrigPort(c), Side(c, "conn_state"))).Order().ToList();
        Assert.Equal(3, live.Count);
        Assert.All(live, c => Assert.Equal("S0", c.Item2));
        Assert.Equal(live, JsonLines.Records(reread.Stdout, "connection").Select(c => (OrigPort(c), Side(c, "conn_state"))).Order());
    }

    [LiveCaptureTheory]
    [InlineData(LiveProcess.SigTerm)]
    [InlineData(LiveProcess.SigInt)]
    public void SignalWhileWritingUnderLoad_EndsWithTheSummary_AndEveryRecordOfThePcapWhole(int signal)
    {
        using var directory = new TemporaryDirectory();
        string pcap = Path.Combine(directory.Path, "load.pcap");
        using var loopback = new Loopback();
        using var live = LiveProcess.Start("live", "-i", "lo", "-f", "json", "--filter", $"tcp port {loopback.Port}", "-w", pcap);
        live.WaitUntilListening();

        // Connections, each with 16 KiB, one after another until stopped (at most 5,000); the signal comes once the
        // file has grown past 1 MiB, with the load still running and the writer in the middle of it.
        using var load = new LoopbackLoad(loopback.Listener, maxConnections: 5000, payloadBytes: 16 * 1024);
        WaitForFileSize(live, pcap, 1 << 20);
        Assert.True(load.Completed < 5000, "the load ended before the signal");
        live.Signal(signal);
        var result = live.WaitForExit();
        load.Stop();

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("error", result.Stderr, StringComparison.OrdinalIgnoreCase);
        var summary = Assert.Single(JsonLines.Records(result.Stdout, "summary"));
        Assert.Equal("interrupt", summary.GetProperty("capture").GetProperty("stop_reason").GetString());
        long read = summary.GetProperty("frames").GetProperty("read").GetInt64();
        Assert.Equal(read, summary.GetProperty("capture").GetProperty("frames_written").GetInt64());
        var (reread, fromFile) = ReadBackWhole(pcap, read);
        Assert.Equal(summary.GetProperty("connections").GetProperty("total").GetInt64(),
            fromFile.GetProperty("connections").GetProperty("total").GetInt64());
    }

    [LiveCaptureFact]
    public void FullDiskOnWrite_StopsTheCaptureWithOneLineAndTheSummary_KeepingTheWholeRecordsThatFit()
    {
        // A 64 KiB tmpfs in a private mount namespace stands for the full disk; the host's mounts are untouched. The
        // file is copied out once tcpstate has ended, before the namespace (and the tmpfs) go.
        using var directory = new TemporaryDirectory();
        string small = Path.Combine(directory.Path, "small"), kept = Path.Combine(directory.Path, "kept.pcap");
        Directory.CreateDirectory(small);
        string pcap = Path.Combine(small, "x.pcap");
        string dll = Path.Combine(AppContext.BaseDirectory, "tcpstate.dll");
        using var loopback = new Loopback();
        using var live = LiveProcess.StartCommand("unshare", "-m", "sh", "-c",
            $"mount -t tmpfs -o size=64k tcpstate-full '{small}' || exit 99\n" +
            $"dotnet '{dll}' live -i lo -f json --filter 'tcp port {loopback.Port}' -w '{pcap}'; status=$?\n" +
            $"cp '{pcap}' '{kept}'; exit $status\n");
        live.WaitUntilListening();

        using var load = new LoopbackLoad(loopback.Listener, maxConnections: 2000, payloadBytes: 1000);
        var result = live.WaitForExit();
        load.Stop();

        Assert.Equal(2, result.ExitCode);
        var stderr = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, stderr.Length);
        Assert.StartsWith("tcpstate: listening on lo", stderr[0]);
        var summary = Assert.Single(JsonLines.Records(result.Stdout, "summary"));
        var capture = summary.GetProperty("capture");
        Assert.Equal("write_error", capture.GetProperty("stop_reason").GetString());
        long written = capture.GetProperty("frames_written").GetInt64();
        Assert.Equal($"tcpstate: cannot write {pcap}: no space left on device; capture stopped, the file keeps the first {written} packets",
            stderr[1]);
        Assert.Equal(stderr[1]["tcpstate: ".Length..], Assert.Single(summary.GetProperty("errors").EnumerateArray()).GetString());
        Assert.True(written > 0, "nothing was written before the disk filled");
        Assert.True(summary.GetProperty("frames").GetProperty("read").GetInt64() >= written);

        // What it kept is a valid pcap, cut back to its last whole record, within the 64 KiB.
        Assert.True(new FileInfo(kept).Length <= 64 * 1024);
        ReadBackWhole(kept, written);
    }

    [LiveCaptureFact]
    public void DropPrivileges_CapturesAsThatUserWithNoCapabilityLeft_AndTheFileIsItsOwn()
    {
        // A world-readable copy: after the switch, nobody must still be able to load tcpstate's assemblies.
        using var copy = UnprivilegedCopy.Create();
        using var directory = new TemporaryDirectory();
        Assert.Equal(0, UnprivilegedCopy.Run("chmod", "1777", directory.Path).ExitCode); // nobody creates the file in it
        string pcap = Path.Combine(directory.Path, "f.pcap");
        var (uid, gid) = Account("nobody");
        using var loopback = new Loopback();
        using var live = LiveProcess.StartCommand("dotnet", copy.Dll, "live", "-i", "lo", "--filter", $"tcp port {loopback.Port}",
            "-Z", "nobody", "-f", "json", "-w", pcap, "--events", "transitions");
        live.WaitUntilListening();

        int client = loopback.NormalExchange();
        live.WaitForRecord("transition", r => IsTransition(r, client, "orig", "TIME_WAIT"), "the client to reach TIME_WAIT");
        // Still capturing: every thread runs as nobody:nogroup (real, effective, saved, filesystem ids), in no other
        // group, with no capability left.
        int threads = 0;
        foreach (var task in Directory.GetDirectories($"/proc/{live.Id}/task"))
        {
            string[] status;
            try
            {
                status = File.ReadAllLines(Path.Combine(task, "status"));
            }
            catch (IOException)
            {
                continue; // a thread that ended meanwhile
            }
            threads++;
            Assert.Equal([uid, uid, uid, uid], Field(status, "Uid"));
            Assert.Equal([gid, gid, gid, gid], Field(status, "Gid"));
            Assert.All(Field(status, "Groups"), group => Assert.Equal(gid, group));
            Assert.Equal([0L], Field(status, "CapEff"));
            Assert.Equal([0L], Field(status, "CapPrm"));
        }
        Assert.True(threads > 1, $"{threads} threads seen");
        live.Signal(LiveProcess.SigInt);
        var result = live.WaitForExit();

        Assert.Equal(0, result.ExitCode);
        var connection = Assert.Single(JsonLines.Records(result.Stdout, "connection"), r => OrigPort(r) == client);
        Assert.Equal(("SF", "TIME_WAIT", "CLOSED"), States(connection));
        Assert.Equal($"{uid}:{gid}\n", UnprivilegedCopy.Run("stat", "-c", "%u:%g", pcap).Stdout);
        var summary = Assert.Single(JsonLines.Records(result.Stdout, "summary"));
        long read = summary.GetProperty("frames").GetProperty("read").GetInt64();
        Assert.Equal(read, summary.GetProperty("capture").GetProperty("frames_written").GetInt64());
        Assert.Equal(read, PcapRecords.CountWhole(pcap));
        var reread = TcpstateProcess.Run("read", "-f", "json", "-C", pcap);
        Assert.Equal(0, reread.ExitCode);
        Assert.Equal(WithoutEndReason(connection),
            WithoutEndReason(Assert.Single(JsonLines.Records(reread.Stdout, "connection"), r => OrigPort(r) == client)));
    }

    [LiveCaptureFact]
    public void DropPrivileges_ThenAFolderTheUserCannotWrite_SaysSoInOneLine_ExitCode2()
    {
        using var copy = UnprivilegedCopy.Create();
        using var directory = new TemporaryDirectory(); // root's, not writable by nobody
        string pcap = Path.Combine(directory.Path, "f.pcap");

        var result = UnprivilegedCopy.Run("dotnet", copy.Dll, "live", "-i", "lo", "-Z", "nobody", "-w", pcap, "--duration", "200ms");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"tcpstate: cannot write {pcap}: permission denied (as user 'nobody', after --drop-privileges)\n", result.Stderr);
        Assert.False(File.Exists(pcap));
    }

    [Fact]
    public void DropPrivileges_ToAnUnknownUser_FailsAtOnceInOneLine_ExitCode2()
    {
        var result = TcpstateProcess.Run("live", "-i", "lo", "-Z", "tcpstate-no-such-user");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("tcpstate: --drop-privileges: no user named 'tcpstate-no-such-user'\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [LiveCaptureFact]
    public void DropPrivileges_WithOnlyCapNetRaw_WorksForTheUserItRunsAs_AndRefusesAnother()
    {
        using var copy = UnprivilegedCopy.Create();
        var setcap = System.Diagnostics.Process.Start("setcap", ["cap_net_raw=eip", copy.Executable])!;
        setcap.WaitForExit();
        Assert.Equal(0, setcap.ExitCode);

        var same = copy.RunAsNobody(copy.Executable, "live", "-i", "lo", "-Z", "nobody", "-f", "json", "--filter", "tcp port 9", "--duration", "200ms");
        var other = copy.RunAsNobody(copy.Executable, "live", "-i", "lo", "-Z", "daemon", "-f", "json", "--filter", "tcp port 9", "--duration", "200ms");

        Assert.Equal(0, same.ExitCode);
        Assert.Single(JsonLines.Records(same.Stdout, "summary"));
        Assert.Equal(2, other.ExitCode);
        var line = Assert.Single(other.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tcpstate: --drop-privileges: cannot switch to user 'daemon' ", line);
        Assert.EndsWith(": operation not permitted; switching user needs root (CAP_SETUID and CAP_SETGID)", line);
        Assert.Equal("", other.Stdout);
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

    /// <summary>A summary with no input problem: no truncated or damaged record.</summary>
    /// <summary>
    /// The pcap holds exactly <paramref name="frames"/> whole records, and <c>tcpstate read</c> reads them all back
    /// without an error; returns that run and its summary.
    /// </summary>
    private static (TcpstateProcess.Result Reread, JsonElement Summary) ReadBackWhole(string pcap, long frames)
    {
        Assert.Equal(frames, PcapRecords.CountWhole(pcap));
        var reread = TcpstateProcess.Run("read", "-f", "json", "-C", pcap);
        Assert.Equal(0, reread.ExitCode);
        var summary = Assert.Single(JsonLines.Records(reread.Stdout, "summary"));
        Assert.Equal(frames, summary.GetProperty("frames").GetProperty("read").GetInt64());
        AssertNoErrors(summary);
        return (reread, summary);
    }

    private static void AssertNoErrors(JsonElement summary)
    {
        if (summary.TryGetProperty("errors", out var errors))
            Assert.Empty(errors.EnumerateArray());
    }

    /// <summary>Polls (bounded) until the file is at least <paramref name="bytes"/> long; the live process must still run.</summary>
    private static void WaitForFileSize(LiveProcess live, string path, long bytes)
    {
        var deadline = DateTime.UtcNow + LiveProcess.Guard;
        while (!File.Exists(path) || new FileInfo(path).Length < bytes)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} did not reach {bytes} bytes; stderr: {live.Stderr}");
            Assert.False(live.HasExited, $"tcpstate exited before {path} reached {bytes} bytes; stderr: {live.Stderr}");
            Thread.Sleep(20);
        }
    }

    /// <summary>A user's uid and primary gid, from the password file.</summary>
    private static (long Uid, long Gid) Account(string name)
    {
        var fields = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).Single(f => f[0] == name);
        return (long.Parse(fields[2]), long.Parse(fields[3]));
    }

    /// <summary>The numbers of a /proc/PID/status line ("Uid:\t0\t0\t0\t0"); Cap* lines are hexadecimal.</summary>
    private static long[] Field(string[] status, string name)
    {
        var values = status.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..]
            .Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return values.Select(v => name.StartsWith("Cap", StringComparison.Ordinal)
            ? long.Parse(v, System.Globalization.NumberStyles.HexNumber)
            : long.Parse(v)).ToArray();
    }

    private static (string, string, string) States(JsonElement connection) =>
        (Side(connection, "conn_state"), Side(connection, "orig_state"), Side(connection, "resp_state"));

    /// <summary>The record as text without end_reason: live may end a connection on a timer the file's last packet never reaches.</summary>
    private static string WithoutEndReason(JsonElement connection) =>
        string.Join(",", connection.EnumerateObject().Where(p => p.Name != "end_reason").Select(p => $"{p.Name}={p.Value.GetRawText()}"));
}
