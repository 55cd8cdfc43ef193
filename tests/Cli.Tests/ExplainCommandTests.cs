namespace TcpState.Cli.Tests;

/// <summary>The explain command's choices, listings, errors and exit codes, through the real executable.</summary>
public class ExplainCommandTests
{
    private static readonly string PortReuse = Repository.Capture("port-reuse.pcap");

    [Fact]
    public void WithoutConn_ListsEveryConnectionWithUidEndpointsConnStateAndAnomalies()
    {
        var result = TcpstateProcess.Run("explain", PortReuse);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.TrimEnd('\n').Split('\n');
        Assert.Matches("^uid +ts +originator +responder +conn_state +orig_state +resp_state +anomalies$", lines[0]);
        Assert.Equal(2, lines.Count(l => l.StartsWith('C')));
        Assert.All(lines.Where(l => l.StartsWith('C')), l => Assert.Contains("10.99.0.1:40015  10.99.0.2:8015  SF", l));
        Assert.StartsWith("explain one with: tcpstate explain", lines[^1]);
    }

    [Fact]
    public void AnomalyAboutAConnection_IsMarkedAtThePacketWhereItFired_AndListed()
    {
        var listing = TcpstateProcess.Run("explain", PortReuse).Stdout.Split('\n');
        var ladder = TcpstateProcess.Run("explain", PortReuse, "--conn", "C0fuwez65Mjl14dhd7").Stdout.Split('\n').ToList();

        Assert.EndsWith("port-reuse-time-wait", listing.Single(l => l.StartsWith("C0fuwez65Mjl14dhd7", StringComparison.Ordinal)));
        int syn = ladder.FindIndex(l => l.Contains("|-- SYN seq=0"));
        int mark = ladder.FindIndex(l => l.Contains("! port-reuse-time-wait:"));
        int synAck = ladder.FindIndex(l => l.Contains("SYN+ACK seq=0 ack=1"));
        Assert.True(syn < mark && mark < synAck, string.Join('\n', ladder));
    }

    [Fact]
    public void EndpointPairNamingSeveralConnections_ListsThemAndAsksForTheUid()
    {
        var result = TcpstateProcess.Run("explain", PortReuse, "--conn", "10.99.0.1:40015-10.99.0.2:8015");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(2, result.Stdout.Split('\n').Count(l => l.StartsWith('C')));
        Assert.Equal("tcpstate: 2 connections match --conn 10.99.0.1:40015-10.99.0.2:8015: pick one by its uid",
            result.Stderr.Trim());
    }

    [Fact]
    public void UidOfTheSecondConnectionOnA4Tuple_ExplainsThatOne()
    {
        var list = TcpstateProcess.Run("explain", PortReuse).Stdout.Split('\n').Where(l => l.StartsWith('C')).ToList();
        string second = list[1].Split(' ')[0];

        var result = TcpstateProcess.Run("explain", PortReuse, "--conn", second);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Connection " + second, result.Stdout);
        Assert.Contains("flags port_reuse", result.Stdout);
    }

    [Fact]
    public void UnknownUid_IsOneLineAndExitCode2()
    {
        var result = TcpstateProcess.Run("explain", PortReuse, "--conn", "C00000000000000000");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Contains("no connection matches --conn C00000000000000000", result.Stderr);
    }

    [Fact]
    public void MalformedConn_IsOneLineAndExitCode2()
    {
        var result = TcpstateProcess.Run("explain", PortReuse, "--conn", "10.99.0.1-10.99.0.2");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Contains("endpoint pair A:port-B:port", result.Stderr);
        Assert.DoesNotContain(" at ", result.Stderr);
    }

    [Fact]
    public void UnreadableFile_IsOneLineAndExitCode2()
    {
        var result = TcpstateProcess.Run("explain", "/nonexistent/trace.pcap", "--conn", "C00000000000000000");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Contains("/nonexistent/trace.pcap", result.Stderr);
    }

    [Fact]
    public void UnknownFormat_IsBadUsageWithExitCode2()
    {
        var result = TcpstateProcess.Run("explain", PortReuse, "--format", "svg");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void LongDataPhase_FoldsIntoOneLine_AndAllShowsEveryPacket()
    {
        var capture = Repository.Capture("bulk-transfer.pcap");
        const string connection = "10.99.0.1:40017-10.99.0.2:8017";

        var folded = TcpstateProcess.Run("explain", capture, "--conn", connection).Stdout;
        var all = TcpstateProcess.Run("explain", capture, "--conn", connection, "--all").Stdout;

        Assert.Contains("… 724 data segments, 1.0 MB ←, 209 ACKs, 3.428 ms …", folded);
        Assert.Equal(944, ArrowLines(all));
        Assert.Equal(944 - 933, ArrowLines(folded));
    }

    [Fact]
    public void StandardInput_CanBeExplained()
    {
        var result = TcpstateProcess.Run(["explain", "-", "--conn", "CK8Aqp12rOUR3vcr8N"],
            File.ReadAllBytes(Repository.Capture("connection-refused.pcap")));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("RST+ACK seq=0 ack=1", result.Stdout);
    }

    [Fact]
    public void TimeWaitOption_ChangesTheTwoMslShownAtTheEnd()
    {
        var result = TcpstateProcess.Run("explain", Repository.Capture("client-closes-first.pcap"), "--conn",
            "CG9rNq6QfLZA3dvLyj", "--time-wait", "30");

        Assert.Contains("TIME_WAIT lasts 2MSL = 30 s", result.Stdout);
    }

    [Fact]
    public void TimeWaitThatExpiresInsideTheCapture_IsATimerRowGoingToClosed()
    {
        // port-reuse: the first connection's server TIME_WAIT runs out 0.1 s later, before the second SYN.
        var result = TcpstateProcess.Run("explain", PortReuse, "--conn", "C8WkY6raVMXO4NTHlY", "--time-wait", "0.1");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("* 2MSL = 0.100 s elapsed |", result.Stdout);
        Assert.DoesNotContain("end of capture", result.Stdout);
    }

    [Fact]
    public void SynCookies_AreAnnotatedOnlyWhereTheEvidenceIsClear()
    {
        var capture = Repository.Capture("syn-flood-cookies.pcap");
        var expected = new Dictionary<string, string?>
        {
            ["10.99.0.9:41000"] = null, ["10.99.0.9:41001"] = null, ["10.99.0.9:41002"] = null,   // retransmitted: state kept
            ["10.99.0.9:41003"] = "never resent", ["10.99.0.9:41004"] = "never resent",
            ["10.99.0.9:41005"] = "never resent", ["10.99.0.9:41006"] = "never resent",
            ["10.99.0.9:41007"] = "dropped both", ["10.99.0.9:41008"] = "dropped both", ["10.99.0.9:41009"] = "dropped both",
            ["10.99.0.1:40018"] = "dropped both",
        };
        foreach (var (originator, sign) in expected)
        {
            var ladder = TcpstateProcess.Run("explain", capture, "--conn", originator + "-10.99.0.2:8018").Stdout;
            var text = string.Join(' ', ladder.Split('\n').Select(l => l.Trim(' ', '|')));
            if (sign is null)
                Assert.DoesNotContain("SYN cookie", text);
            else
                Assert.Contains(sign, text[text.IndexOf("looks like a SYN cookie", StringComparison.Ordinal)..]);
        }
    }

    [Fact]
    public void OrdinaryHandshakes_AreNeverTakenForSynCookies()
    {
        foreach (var trace in Directory.GetFiles(Repository.Captures, "*.pcap").Where(p => !p.Contains("syn-flood")))
        {
            foreach (var record in JsonLines.Records(TcpstateProcess.Run("read", "-f", "json", trace).Stdout, "connection"))
            {
                var ladder = TcpstateProcess.Run("explain", trace, "--conn", record.GetProperty("uid").GetString()!).Stdout;
                Assert.DoesNotContain("SYN cookie", ladder);
            }
        }
    }

    private static int ArrowLines(string ladder) =>
        ladder.Split('\n').Count(l => l.Contains("|-- ") || l.Contains("|<-"));
}
