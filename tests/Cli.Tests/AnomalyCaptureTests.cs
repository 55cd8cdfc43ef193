using System.Text.Json;

namespace TcpState.Cli.Tests;

/// <summary>
/// Every anomaly fires on its own trace recorded from the real Linux stack (captures/anomalies), with the figures
/// measured from the packets; and nothing fires that the trace does not show.
/// </summary>
public class AnomalyCaptureTests
{
    private static readonly ExpectedTraces Expected = new(Path.Combine(Repository.Captures, "anomalies", "expected.json"));

    public static TheoryData<string> Traces() => Expected.Names();

    [Theory]
    [MemberData(nameof(Traces))]
    public void AnomalyTrace_FiresWhatItShowsAndNothingElse(string trace)
    {
        var entry = Entry(trace);
        var raised = Anomalies(trace).Select(a => a.GetProperty("id").GetString()!).ToHashSet();

        var mustFire = Ids(entry, "must_fire");
        var allowed = mustFire.Concat(Ids(entry, "may_fire")).ToHashSet();
        Assert.Subset(raised, mustFire.ToHashSet());
        Assert.Superset(raised, allowed);
    }

    [Fact]
    public void SynFlood_ReportsTheListenerRetransmissionsAndSpoofedSources()
    {
        var facts = Entry("syn-flood.pcap").GetProperty("facts");
        var flood = Single("syn-flood.pcap", "syn-flood");
        var details = flood.GetProperty("details");

        Assert.Equal(facts.GetProperty("listener").GetString(), flood.GetProperty("subject").GetString());
        Assert.Equal("host", flood.GetProperty("level").GetString());
        Assert.Equal(facts.GetProperty("syns").GetInt32(), details.GetProperty("syns").GetInt32());
        Assert.Equal(facts.GetProperty("synacks").GetInt32(), details.GetProperty("syn_acks").GetInt32());
        Assert.Equal(facts.GetProperty("synack_retransmissions").GetInt32(), details.GetProperty("syn_ack_retransmissions").GetInt32());
        Assert.Equal(facts.GetProperty("distinct_sources").GetInt32(), details.GetProperty("distinct_sources").GetInt32());
        Assert.Equal(facts.GetProperty("distinct_sources").GetInt32(), details.GetProperty("sources_never_seen_again").GetInt32());
        Assert.Equal(facts.GetProperty("syns").GetInt32(), details.GetProperty("peak_half_open").GetInt32());
        Assert.False(details.GetProperty("syn_cookies_likely").GetBoolean());
    }

    [Fact]
    public void SynFloodAnsweredWithCookies_IsRecognisedAsCookies()
    {
        var details = Single("syn-flood-cookies.pcap", "syn-flood").GetProperty("details");

        Assert.True(details.GetProperty("syn_cookies_likely").GetBoolean());
        Assert.Equal(0, details.GetProperty("syn_ack_retransmissions").GetInt32());
    }

    [Theory]
    [InlineData("accept-queue-overflow.pcap", "handshake_acks_ignored")]
    [InlineData("accept-queue-overflow-rst.pcap", "handshake_acks_reset")]
    public void AcceptQueueOverflow_CountsEachOverflowedConnection(string trace, string detail)
    {
        var facts = Entry(trace).GetProperty("facts");
        var anomaly = Single(trace, "accept-queue-overflow");

        Assert.Equal(facts.GetProperty("listener").GetString(), anomaly.GetProperty("subject").GetString());
        Assert.Equal(facts.GetProperty("overflowed").GetInt32(), anomaly.GetProperty("details").GetProperty(detail).GetInt32());
    }

    [Fact]
    public void ConnectionRefused_CountsTheRefusalsAndSources()
    {
        var facts = Entry("connection-refused.pcap").GetProperty("facts");
        var anomaly = Single("connection-refused.pcap", "connection-refused");

        Assert.Equal(facts.GetProperty("closed_port").GetString(), anomaly.GetProperty("subject").GetString());
        Assert.Equal(facts.GetProperty("rst_acks").GetInt32(), anomaly.GetProperty("details").GetProperty("refused").GetInt32());
        Assert.Equal(facts.GetProperty("distinct_sources").GetArrayLength(), anomaly.GetProperty("details").GetProperty("distinct_sources").GetInt32());
    }

    [Fact]
    public void PortScan_NamesTheScannerAndTheRefusedPorts()
    {
        var facts = Entry("port-scan.pcap").GetProperty("facts");
        var anomaly = Single("port-scan.pcap", "port-scan");

        Assert.Equal(facts.GetProperty("scanner")[0].GetString(), anomaly.GetProperty("subject").GetString());
        Assert.Equal(facts.GetProperty("closed_ports_rst_ack").GetInt32(), anomaly.GetProperty("details").GetProperty("refused").GetInt32());
    }

    [Fact]
    public void CloseWaitLinger_NamesTheEndpointPerConnectionAndRollsUpTheListener()
    {
        var facts = Entry("close-wait-linger.pcap").GetProperty("facts");
        var lingering = Anomalies("close-wait-linger.pcap").Where(a => a.GetProperty("id").GetString() == "close-wait-linger").ToList();

        var perConnection = lingering.Where(a => a.GetProperty("level").GetString() == "connection").ToList();
        Assert.Equal(facts.GetProperty("leaked_connections").GetInt32(), perConnection.Count);
        var expectedSeconds = facts.GetProperty("leaks").EnumerateArray().Select(l => l.GetProperty("close_wait_s_at_trace_end").GetDouble()).Order().ToList();
        var reportedSeconds = perConnection.Select(a => a.GetProperty("details").GetProperty("close_wait_seconds").GetDouble()).Order().ToList();
        for (int i = 0; i < expectedSeconds.Count; i++)
            Assert.Equal(expectedSeconds[i], reportedSeconds[i], 1);
        Assert.All(perConnection, a => Assert.Equal(facts.GetProperty("close_wait_endpoint").GetString(),
            a.GetProperty("details").GetProperty("endpoint").GetString()));
        var rollUp = Assert.Single(lingering, a => a.GetProperty("level").GetString() == "host");
        Assert.Equal(facts.GetProperty("listener").GetString(), rollUp.GetProperty("subject").GetString());
    }

    [Fact]
    public void TimeWaitBuildup_SeesTheServerClosingFirst()
    {
        var facts = Entry("time-wait-buildup.pcap").GetProperty("facts");
        var details = Single("time-wait-buildup.pcap", "time-wait-buildup").GetProperty("details");

        Assert.Equal(facts.GetProperty("max_in_time_wait_concurrently").GetInt32(), details.GetProperty("time_wait_peak").GetInt32());
        Assert.Equal(facts.GetProperty("server_closed_first").GetInt32(), details.GetProperty("closed_as_server").GetInt32());
    }

    [Fact]
    public void FinWait2Timeout_MeasuresTheWait()
    {
        var facts = Entry("fin-wait-2-timeout.pcap").GetProperty("facts");
        var details = Single("fin-wait-2-timeout.pcap", "fin-wait-2-timeout").GetProperty("details");

        Assert.Equal(facts.GetProperty("fin_wait_2_endpoint").GetString(), details.GetProperty("endpoint").GetString());
        Assert.Equal(facts.GetProperty("fin_wait_2_s_at_trace_end").GetDouble(), details.GetProperty("fin_wait_2_seconds").GetDouble(), 1);
    }

    [Fact]
    public void PeerUnreachable_CountsTheBackedOffRetransmissions()
    {
        var facts = Entry("peer-unreachable.pcap").GetProperty("facts");
        var details = Single("peer-unreachable.pcap", "peer-unreachable").GetProperty("details");

        Assert.Equal(facts.GetProperty("sender").GetString(), details.GetProperty("sender").GetString());
        Assert.Equal(facts.GetProperty("retransmissions_of_first_unacked_segment").GetInt32(), details.GetProperty("retransmissions").GetInt32());
        Assert.Equal("silence", details.GetProperty("ended_with").GetString());
    }

    [Fact]
    public void KeepaliveDeadPeer_CountsUnansweredProbesAndTheReset()
    {
        var facts = Entry("keepalive-dead-peer.pcap").GetProperty("facts");
        var details = Single("keepalive-dead-peer.pcap", "keepalive-dead-peer").GetProperty("details");

        Assert.Equal(facts.GetProperty("keepalive_probes").GetInt32(), details.GetProperty("unanswered_probes").GetInt32());
        Assert.Equal("reset", details.GetProperty("ended").GetString());
    }

    [Fact]
    public void ZeroWindow_MeasuresTheStallAndProbes()
    {
        var facts = Entry("zero-window.pcap").GetProperty("facts");
        var details = Single("zero-window.pcap", "zero-window").GetProperty("details");

        Assert.Equal(facts.GetProperty("receiver").GetString(), details.GetProperty("receiver").GetString());
        Assert.Equal(facts.GetProperty("zero_window_s").GetDouble(), details.GetProperty("stalled_seconds").GetDouble(), 2);
        Assert.Equal(facts.GetProperty("zero_window_probes").GetInt32(), details.GetProperty("zero_window_probes").GetInt32());
    }

    [Fact]
    public void RstOutOfWindow_IsReportedAndTheConnectionClosesNormally()
    {
        var injected = Entry("rst-out-of-window.pcap").GetProperty("facts").GetProperty("injected_rsts").GetArrayLength();
        var anomaly = Single("rst-out-of-window.pcap", "rst-out-of-window");
        var connection = Assert.Single(JsonLines.Records(Read("rst-out-of-window.pcap"), "connection"));

        Assert.Equal(injected, anomaly.GetProperty("count").GetInt32());
        Assert.Equal("TIME_WAIT", connection.GetProperty("orig_state").GetString());
        Assert.Equal("CLOSED", connection.GetProperty("resp_state").GetString());
    }

    [Fact]
    public void CheckWithTheBuiltInPolicy_FailsOnEverySevereAnomalyTrace()
    {
        var severe = new[] { "syn-flood.pcap", "port-scan.pcap", "close-wait-linger.pcap", "peer-unreachable.pcap", "rst-out-of-window.pcap" };
        var result = TcpstateProcess.Run(["check", .. severe.Select(t => Path.Combine(Repository.Captures, "anomalies", t))], stdin: null);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Result: FAIL ({severe.Length} of {severe.Length} trace(s) failed)", result.Stdout);
    }

    private static JsonElement Single(string trace, string id) =>
        Assert.Single(Anomalies(trace), a => a.GetProperty("id").GetString() == id);

    private static List<JsonElement> Anomalies(string trace) => JsonLines.Records(Read(trace), "anomaly");

    private static string Read(string trace)
    {
        var result = TcpstateProcess.Run("read", "--format", "json", Path.Combine(Repository.Captures, "anomalies", trace));
        Assert.True(result.ExitCode == 0, result.Stderr);
        return result.Stdout;
    }

    private static string[] Ids(JsonElement entry, string property) =>
        entry.GetProperty(property).EnumerateArray().Select(i => i.GetString()!).ToArray();

    private static JsonElement Entry(string trace) => Expected.For(trace);
}
