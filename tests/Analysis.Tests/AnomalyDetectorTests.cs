using TcpState.Analysis.Anomalies;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>Each detector fires on a conversation built to show its anomaly, with the figures it reports.</summary>
public class AnomalyDetectorTests
{
    private static List<Anomaly> Detect(IEnumerable<TcpSegment> segments, DetectorSettings? settings = null) =>
        Run(segments, settings).BySeverity.ToList();

    /// <summary>The segments in time order through a tracker with every detector, to the end of input.</summary>
    private static AnomalyEngine Run(IEnumerable<TcpSegment> segments, DetectorSettings? settings = null)
    {
        var (engine, tracker) = Feed(segments, settings);
        tracker.Finish();
        engine.Complete(tracker.Clock);
        return engine;
    }

    /// <summary>The segments in time order through a tracker with every detector; the input has not ended.</summary>
    private static (AnomalyEngine Engine, ConnectionTracker Tracker) Feed(IEnumerable<TcpSegment> segments, DetectorSettings? settings = null)
    {
        var engine = new AnomalyEngine(settings);
        var tracker = new ConnectionTracker(new AnalysisOptions(), new ConnectionStatistics());
        tracker.AddObserver(engine);
        foreach (var segment in segments.OrderBy(s => s.Timestamp))
            tracker.Process(segment);
        return (engine, tracker);
    }

    private static TcpConversation Connect(ushort clientPort = 40000, double start = 1_700_000_000, string client = "10.0.0.1",
        ushort serverPort = 80)
    {
        var conversation = new TcpConversation(clientAddress: client, clientPort: clientPort, serverPort: serverPort, startSeconds: start);
        conversation.Client.Syn();
        conversation.Server.SynAck();
        conversation.Client.Ack();
        return conversation;
    }

    /// <summary>A lone SYN from elsewhere, at <paramref name="seconds"/>, to move the packet clock.</summary>
    private static TcpSegment ClockTick(double seconds)
    {
        var tick = new TcpConversation(clientAddress: "192.0.2.99", clientPort: 9, serverPort: 9, startSeconds: seconds);
        return tick.Client.Syn();
    }

    [Fact]
    public void NormalConnections_RaiseNothing()
    {
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 50; i++)
        {
            var c = Connect(clientPort: (ushort)(40000 + i), start: 1_700_000_000 + i * 0.1);
            c.Client.Data(100);
            c.Server.Data(2000);
            c.Client.Fin();
            c.Server.Fin();
            c.Client.Ack();
            segments.AddRange(c.Segments);
        }
        segments.Add(ClockTick(1_700_000_200));

        Assert.Empty(Detect(segments));
    }

    /// <summary>150 spoofed sources, 10 ms apart, each sending what <paramref name="send"/> has its conversation send.</summary>
    private static List<TcpSegment> SpoofedSources(Action<TcpConversation> send)
    {
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 150; i++)
        {
            var c = new TcpConversation(clientAddress: $"198.51.{i / 250}.{i % 250 + 1}", clientPort: (ushort)(1024 + i),
                startSeconds: 1_700_000_000 + i * 0.01, clientIsn: (uint)(i * 7777));
            send(c);
            segments.AddRange(c.Segments);
        }
        return segments;
    }

    [Fact]
    public void SynFlood_FromSpoofedSources_IsReportedWithItsFigures()
    {
        var segments = SpoofedSources(c =>
        {
            c.Client.Syn();
            c.Server.SynAck();
        });

        var anomaly = Assert.Single(Detect(segments), a => a.Id == AnomalyCatalogue.SynFlood);

        Assert.Equal("10.0.0.2:80", anomaly.Subject);
        Assert.Equal(AnomalySeverity.Critical, anomaly.Severity);
        Assert.Equal(150, anomaly.Details["peak_half_open"]);
        Assert.Equal(150L, anomaly.Details["syns"]);
        Assert.Equal(150L, anomaly.Details["syn_acks"]);
        Assert.Equal(0L, anomaly.Details["handshake_acks"]);
        Assert.True((bool)anomaly.Details["syn_cookies_likely"]);
        Assert.True((int)anomaly.Details["sources_never_seen_again"] > 100);
    }

    [Fact]
    public void SynFlood_CountsOnlyTheSourcesOfItsOwnListener()
    {
        // Half-open connections toward another listener are in the window when the flooded one starts counting its
        // sources: they must not be counted as its own.
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 40; i++)
        {
            var other = new TcpConversation(clientAddress: $"203.0.113.{i + 1}", clientPort: 5000, serverPort: 8080,
                startSeconds: 1_699_999_999 + i * 0.01);
            other.Client.Syn();
            segments.AddRange(other.Segments);
        }
        segments.AddRange(SpoofedSources(c => c.Client.Syn()));

        var anomaly = Assert.Single(Detect(segments), a => a.Id == AnomalyCatalogue.SynFlood);

        Assert.Equal("10.0.0.2:80", anomaly.Subject);
        Assert.Equal(150, anomaly.Details["distinct_sources"]);
    }

    [Fact]
    public void SynsWithBadChecksums_AreNotAFlood()
    {
        // The listener's stack drops them before any SYN queue: nothing is half-open. (With checksum offload the capture
        // is read with -C, which makes them valid.)
        var segments = SpoofedSources(c => c.Client.Raw(TcpFlags.Syn, c.Client.Isn, 0, checksum: ChecksumStatus.Invalid));

        Assert.Empty(Detect(segments));
    }

    [Fact]
    public void HalfOpenConnectionsThatComplete_AreNotAFlood()
    {
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 150; i++)
            segments.AddRange(Connect(clientPort: (ushort)(20000 + i), start: 1_700_000_000 + i * 0.01).Segments);

        Assert.DoesNotContain(Detect(segments), a => a.Id == AnomalyCatalogue.SynFlood);
    }

    [Fact]
    public void HandshakeAckIgnoredByTheListener_IsAnAcceptQueueOverflow()
    {
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 4; i++)
        {
            var c = Connect(clientPort: (ushort)(41000 + i), start: 1_700_000_000 + i);
            c.Wait(1);
            c.Server.Retransmit(TcpFlags.Syn | TcpFlags.Ack, c.Server.Isn, 0);
            segments.AddRange(c.Segments);
        }

        var anomaly = Assert.Single(Detect(segments), a => a.Id == AnomalyCatalogue.AcceptQueueOverflow);

        Assert.Equal(4L, anomaly.Details["handshake_acks_ignored"]);
        Assert.Equal(4, anomaly.Evidence.Count);
    }

    [Fact]
    public void HandshakeAckAnsweredWithRst_IsAnAcceptQueueOverflow()
    {
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 3; i++)
        {
            var c = Connect(clientPort: (ushort)(42000 + i), start: 1_700_000_000 + i);
            c.Server.Rst();
            segments.AddRange(c.Segments);
        }

        var anomaly = Assert.Single(Detect(segments), a => a.Id == AnomalyCatalogue.AcceptQueueOverflow);
        Assert.Equal(3L, anomaly.Details["handshake_acks_reset"]);
    }

    [Fact]
    public void RstAnsweringSyns_AreAggregatedPerDestination()
    {
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 6; i++)
        {
            var c = new TcpConversation(clientPort: (ushort)(43000 + i), serverPort: 8081, startSeconds: 1_700_000_000 + i);
            var syn = c.Client.Syn();
            c.Server.Raw(TcpFlags.Rst | TcpFlags.Ack, 0, syn.Sequence + 1);
            segments.AddRange(c.Segments);
        }

        var anomalies = Detect(segments);

        var refused = Assert.Single(anomalies, a => a.Id == AnomalyCatalogue.ConnectionRefused);
        Assert.Equal("10.0.0.2:8081", refused.Subject);
        Assert.Equal(6, refused.Count);
        Assert.DoesNotContain(anomalies, a => a.Id == AnomalyCatalogue.PortScan);
    }

    [Fact]
    public void OneSourceRefusedOnManyPorts_IsAPortScan()
    {
        var scan = Assert.Single(Detect(RefusedOnPorts1To25()), a => a.Id == AnomalyCatalogue.PortScan);

        Assert.Equal("10.0.0.1", scan.Subject);
        Assert.Equal(25, scan.Details["distinct_ports"]);
    }

    [Fact]
    public void PortScan_CountsTheScannersFirstProbe_AndShowsItFirstInTheEvidence()
    {
        // A source's first probe is kept apart until its second (a spoofed flood's sources never send one); it must
        // still count and still lead the evidence once the source turns out to be scanning.
        var segments = RefusedOnPorts1To25();
        var first = segments[0];

        var scan = Assert.Single(Detect(segments), a => a.Id == AnomalyCatalogue.PortScan);

        Assert.Equal(25, scan.Count);
        Assert.Equal(25L, scan.Details["refused"]);
        Assert.Equal(Records.ConnectionUid.For(first.Source, first.SourcePort, first.Destination, first.DestinationPort, first.Timestamp),
            scan.Evidence[0]);
    }

    /// <summary>10.0.0.1 sends a SYN to 10.0.0.2 on ports 1 to 25, 10 ms apart, each answered by RST.</summary>
    private static List<TcpSegment> RefusedOnPorts1To25()
    {
        var segments = new List<TcpSegment>();
        for (int port = 1; port <= 25; port++)
        {
            var c = new TcpConversation(clientPort: 55555, serverPort: (ushort)port, startSeconds: 1_700_000_000 + port * 0.01);
            var syn = c.Client.Syn();
            c.Server.Raw(TcpFlags.Rst | TcpFlags.Ack, 0, syn.Sequence + 1);
            segments.AddRange(c.Segments);
        }
        return segments;
    }

    [Fact]
    public void ServerThatNeverCloses_LingersInCloseWaitAndRollsUp()
    {
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 3; i++)
        {
            var c = Connect(clientPort: (ushort)(44000 + i), start: 1_700_000_000 + i);
            c.Client.Fin();
            c.Server.Ack();
            segments.AddRange(c.Segments);
        }
        segments.Add(ClockTick(1_700_000_100));

        var anomalies = Detect(segments);

        var perConnection = anomalies.Where(a => a.Id == AnomalyCatalogue.CloseWaitLinger && a.Level == AnomalyLevel.Connection).ToList();
        Assert.Equal(3, perConnection.Count);
        Assert.All(perConnection, a => Assert.Equal("10.0.0.2:80", a.Details["endpoint"]));
        Assert.All(perConnection, a => Assert.True((double)a.Details["close_wait_seconds"] > 90));
        var rollUp = Assert.Single(anomalies, a => a.Id == AnomalyCatalogue.CloseWaitLinger && a.Level == AnomalyLevel.Host);
        Assert.Equal("10.0.0.2:80", rollUp.Subject);
        Assert.Equal(3, rollUp.Count);
    }

    [Fact]
    public void CloseWaitPastTheListingLimit_IsCounted_AndStillRollsUp()
    {
        int connections = DetectorLimits.MaxListedPerKind + 50;
        var segments = new List<TcpSegment>();
        for (int i = 0; i < connections; i++)
        {
            var c = Connect(clientPort: (ushort)(20000 + i), start: 1_700_000_000 + i * 0.01);
            c.Client.Fin();
            c.Server.Ack();
            segments.AddRange(c.Segments);
        }
        segments.Add(ClockTick(1_700_000_200));
        var engine = Run(segments);

        // The service's roll-up takes one of the kind's listed places early; every connection past the limit is
        // counted, and the roll-up still counts every lingering connection.
        var listed = engine.Anomalies.Where(a => a.Id == AnomalyCatalogue.CloseWaitLinger).ToList();
        Assert.Equal(DetectorLimits.MaxListedPerKind, listed.Count);
        var rollUp = Assert.Single(listed, a => a.Level == AnomalyLevel.Host);
        Assert.Equal(connections, rollUp.Count);
        Assert.Equal(connections - (DetectorLimits.MaxListedPerKind - 1), engine.NotListed[AnomalyCatalogue.CloseWaitLinger]);
    }

    /// <summary>
    /// The detectors' timers fire when packet time passes them, during the capture — a live run must show a CLOSE_WAIT
    /// while it lingers — not only when the input ends and every connection is written out. The connection waits until
    /// the syn-flood window has passed its SYN, so no other detector's timer is pending when its own starts.
    /// </summary>
    [Fact]
    public void LingeringCloseIsRaisedAsPacketTimePassesTheThreshold_BeforeTheInputEnds()
    {
        var c = Connect();
        c.Wait(20);
        c.Client.Fin();
        c.Server.Ack();

        var engine = Feed(c.Segments.Append(ClockTick(1_700_000_100))).Engine;

        Assert.Contains(engine.Anomalies, a => a.Id == AnomalyCatalogue.CloseWaitLinger);
        Assert.Contains(engine.Anomalies, a => a.Id == AnomalyCatalogue.FinWait2Timeout);
    }

    [Fact]
    public void ZeroWindowStallIsRaisedAsPacketTimePassesTheThreshold_BeforeTheInputEnds()
    {
        var c = Connect();
        c.Wait(20);
        c.Client.Data(1000);
        c.Server.Raw(TcpFlags.Ack, c.Server.NextSeq, c.Client.NextSeq, window: 0);

        var engine = Feed(c.Segments.Append(ClockTick(1_700_000_100))).Engine;

        Assert.Contains(engine.Anomalies, a => a.Id == AnomalyCatalogue.ZeroWindow);
    }

    /// <summary>Half-open connections leave the syn-flood window as packet time passes, with no other event to prompt it.</summary>
    [Fact]
    public void HalfOpenConnectionsOlderThanTheWindow_StopCountingTowardAFlood()
    {
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 140; i++)
        {
            // 70 SYNs, then 70 more 15 s later: never 100 within the 10 s window.
            double start = 1_700_000_000 + (i < 70 ? 0 : 15) + i * 0.01;
            var c = new TcpConversation(clientAddress: $"198.51.100.{i + 1}", clientPort: (ushort)(1024 + i), startSeconds: start);
            c.Client.Syn();
            segments.AddRange(c.Segments);
        }

        Assert.DoesNotContain(Detect(segments), a => a.Id == AnomalyCatalogue.SynFlood);
    }

    /// <summary>
    /// The server's CLOSE_WAIT here is only inferred from the client's FIN: the server sent nothing after it, so nothing
    /// shows its application was told, and the capture may simply have missed its side.
    /// </summary>
    [Fact]
    public void CloseWaitNeverConfirmedByTheEndpointsOwnSegments_IsNotReported()
    {
        var c = Connect();
        c.Client.Fin();

        var anomalies = Detect(c.Segments.Append(ClockTick(1_700_000_100)));

        Assert.DoesNotContain(anomalies, a => a.Id == AnomalyCatalogue.CloseWaitLinger);
    }

    /// <summary>
    /// A stay that a scan found past the threshold but unconfirmed, and that its own ACK confirms later, is reported at
    /// the scan after that ACK, while the capture goes on: not left for the end of input.
    /// </summary>
    [Fact]
    public void CloseWaitConfirmedAfterItCameDue_IsReportedAtTheNextScan()
    {
        var c = Connect();
        c.Client.Fin();
        c.Wait(1);
        // Another segment for the server applies the FIN (it is taken to have arrived) before the server shows it.
        c.Client.Ack();
        c.Wait(100);
        c.Server.Ack();

        // Another connection's packet at 70 s makes the scan that finds the stay due while it is still unconfirmed.
        var (engine, _) = Feed(c.Segments.Append(ClockTick(1_700_000_070)).Append(ClockTick(1_700_000_103)));

        var anomaly = Assert.Single(engine.Anomalies, a => a.Id == AnomalyCatalogue.CloseWaitLinger && a.Level == AnomalyLevel.Connection);
        Assert.True((double)anomaly.Details["close_wait_seconds"] > 100);
    }

    [Fact]
    public void CloseWaitShorterThanTheThreshold_IsNotReported()
    {
        var c = Connect();
        c.Client.Fin();
        c.Server.Ack();
        c.Wait(30);
        c.Server.Fin();
        c.Client.Ack();

        Assert.Empty(Detect(c.Segments));
    }

    [Fact]
    public void ManyServerFirstCloses_AreATimeWaitBuildupOnTheServer()
    {
        var segments = new List<TcpSegment>();
        for (int i = 0; i < 12; i++)
        {
            var c = Connect(clientPort: (ushort)(45000 + i), start: 1_700_000_000 + i * 0.1);
            c.Server.Fin();
            c.Client.Fin();
            c.Server.Ack();
            segments.AddRange(c.Segments);
        }

        var anomaly = Assert.Single(Detect(segments, new DetectorSettings { TimeWaitThreshold = 10 }),
            a => a.Id == AnomalyCatalogue.TimeWaitBuildup);

        Assert.Equal("10.0.0.2", anomaly.Subject);
        Assert.Equal(12, anomaly.Details["time_wait_peak"]);
        Assert.Equal(12L, anomaly.Details["closed_as_server"]);
        Assert.Equal(12, anomaly.Details["busiest_pair_time_wait"]);
    }

    [Fact]
    public void ShutdownWithoutPeerFin_IsAFinWait2Timeout()
    {
        var c = Connect();
        c.Client.Fin();
        c.Server.Ack();
        var segments = c.Segments.Append(ClockTick(1_700_000_070)).ToList();

        var anomaly = Assert.Single(Detect(segments), a => a.Id == AnomalyCatalogue.FinWait2Timeout);

        Assert.Equal("10.0.0.1:40000", anomaly.Details["endpoint"]);
    }

    [Fact]
    public void RetransmissionsBackingOffIntoSilence_AreAPeerUnreachable()
    {
        var c = Connect();
        var data = c.Client.Data(500);
        foreach (var wait in new[] { 0.2, 0.4, 0.8, 1.6 })
        {
            c.Wait(wait);
            c.Client.Retransmit(TcpFlags.Ack | TcpFlags.Psh, data.Sequence, 500);
        }

        var anomaly = Assert.Single(Detect(c.Segments), a => a.Id == AnomalyCatalogue.PeerUnreachable);

        Assert.Equal(4, anomaly.Details["retransmissions"]);
        Assert.Equal("silence", anomaly.Details["ended_with"]);
    }

    [Fact]
    public void RetransmissionThatGetsAnswered_IsNotAPeerUnreachable()
    {
        var c = Connect();
        var data = c.Client.Data(500);
        c.Wait(0.2);
        c.Client.Retransmit(TcpFlags.Ack | TcpFlags.Psh, data.Sequence, 500);
        c.Server.Ack();
        c.Wait(0.4);
        c.Client.Retransmit(TcpFlags.Ack | TcpFlags.Psh, data.Sequence, 500);
        c.Wait(0.8);
        c.Client.Retransmit(TcpFlags.Ack | TcpFlags.Psh, data.Sequence, 500);

        Assert.DoesNotContain(Detect(c.Segments), a => a.Id == AnomalyCatalogue.PeerUnreachable);
    }

    [Fact]
    public void UnansweredKeepAlivesThenReset_AreAKeepaliveDeadPeer()
    {
        var c = Connect();
        c.Client.Data(10);
        c.Server.Ack();
        for (int i = 0; i < 3; i++)
        {
            c.Wait(1);
            c.Client.Raw(TcpFlags.Ack, c.Client.NextSeq - 1, c.Server.NextSeq);
        }
        c.Client.Rst();

        var anomaly = Assert.Single(Detect(c.Segments), a => a.Id == AnomalyCatalogue.KeepaliveDeadPeer);

        Assert.Equal(3, anomaly.Details["unanswered_probes"]);
        Assert.Equal("reset", anomaly.Details["ended"]);
    }

    [Fact]
    public void AnsweredKeepAlives_AreHealthy()
    {
        var c = Connect();
        for (int i = 0; i < 3; i++)
        {
            c.Wait(1);
            c.Client.Raw(TcpFlags.Ack, c.Client.NextSeq - 1, c.Server.NextSeq);
            c.Server.Ack();
        }

        Assert.Empty(Detect(c.Segments));
    }

    [Fact]
    public void ZeroWindowStallingTheSender_IsReportedWithItsDurationAndProbes()
    {
        var c = Connect();
        c.Client.Data(1000);
        c.Server.Raw(TcpFlags.Ack, c.Server.NextSeq, c.Client.NextSeq, window: 0);
        for (int i = 0; i < 3; i++)
        {
            c.Wait(0.8);
            c.Client.Raw(TcpFlags.Ack, c.Client.NextSeq - 1, c.Server.NextSeq);
            c.Server.Raw(TcpFlags.Ack, c.Server.NextSeq, c.Client.NextSeq, window: 0);
        }
        c.Server.Raw(TcpFlags.Ack, c.Server.NextSeq, c.Client.NextSeq, window: 8192);

        var anomaly = Assert.Single(Detect(c.Segments), a => a.Id == AnomalyCatalogue.ZeroWindow);

        Assert.Equal("10.0.0.2:80", anomaly.Details["receiver"]);
        Assert.Equal(3, anomaly.Details["zero_window_probes"]);
        Assert.InRange((double)anomaly.Details["stalled_seconds"], 2.4, 2.5);
    }

    [Fact]
    public void SynCarryingDataWithoutFastOpen_IsReported()
    {
        var c = new TcpConversation();
        c.Client.Syn(payload: 32);
        c.Server.SynAck();

        Assert.Contains(Detect(c.Segments), a => a.Id == AnomalyCatalogue.SynWithData);
    }

    [Fact]
    public void FastOpenSyn_IsNotSynWithData()
    {
        var c = new TcpConversation();
        c.Client.Syn(payload: 32, fastOpenCookie: true);
        c.Server.SynAck();
        c.Client.Ack();

        Assert.Empty(Detect(c.Segments));
    }

    [Fact]
    public void SynAckWithTheWrongAck_IsABadHandshakeAck()
    {
        var c = new TcpConversation();
        var syn = c.Client.Syn();
        c.Server.SynAck(ack: syn.Sequence + 5);

        Assert.Contains(Detect(c.Segments), a => a.Id == AnomalyCatalogue.BadHandshakeAck);
    }

    [Fact]
    public void SecondSynWithAnotherIsn_IsReported()
    {
        var c = new TcpConversation();
        c.Client.Syn();
        c.Wait(0.5);
        c.Client.Raw(TcpFlags.Syn, c.Client.Isn + 100_000, 0);

        Assert.Contains(Detect(c.Segments), a => a.Id == AnomalyCatalogue.SynIsnChanged);
    }

    [Fact]
    public void RstOutsideTheWindow_IsReportedAndTheConnectionLives()
    {
        var c = Connect();
        c.Client.Data(100);
        c.Server.Ack();
        c.Server.Raw(TcpFlags.Rst, c.Server.NextSeq + 50_000_000, 0);
        c.Client.Data(100);
        c.Server.Ack();

        Assert.Contains(Detect(c.Segments), a => a.Id == AnomalyCatalogue.RstOutOfWindow);
    }

    [Fact]
    public void NewSynOnATimeWaitTuple_IsAPortReuse()
    {
        var c = Connect();
        c.Client.Fin();
        c.Server.Fin();
        c.Client.Ack();
        c.Wait(2);
        c.Client.Reopen(900_000);
        c.Server.Reopen(800_000);
        c.Client.Syn();
        c.Server.SynAck();

        var anomaly = Assert.Single(Detect(c.Segments), a => a.Id == AnomalyCatalogue.PortReuseTimeWait);
        Assert.Equal("10.0.0.1:40000", anomaly.Details["time_wait_holder"]);
        Assert.Equal(2, anomaly.Evidence.Count);
    }
}
