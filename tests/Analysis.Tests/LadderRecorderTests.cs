using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Explain;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>How the explain recorder turns a connection into a ladder: where state changes land, folding, annotations.</summary>
public class LadderRecorderTests
{
    private static ConnectionLadder Ladder(IEnumerable<TcpSegment> segments, AnomalyAnnotations? anomalies = null)
    {
        var options = new AnalysisOptions();
        ConnectionSelector.TryParse("10.0.0.1:40000-10.0.0.2:80", out var selector, out _);
        var recorder = LadderRecorder.ForSelector(selector!, options);
        var tracker = new ConnectionTracker(options, new ConnectionStatistics());
        tracker.AddObserver(recorder);
        foreach (var segment in segments)
            tracker.Process(segment);
        tracker.Finish();
        recorder.Complete();
        anomalies?.ApplyTo(recorder.Matches);
        return Assert.Single(recorder.Matches).Ladder!;
    }

    private static List<string> StatesAt(ConnectionLadder ladder, int packet, LadderSide side) =>
        ladder.StateChanges.Where(c => c.PacketIndex == packet && c.Side == side).Select(c => c.To.ToRfcName()).ToList();

    private static TcpConversation Handshake()
    {
        var conversation = new TcpConversation();
        conversation.Client.Syn();
        conversation.Server.SynAck();
        conversation.Client.Ack();
        return conversation;
    }

    [Fact]
    public void FinReceivedButShownOnlyByTheLaterAck_IsPlacedAtTheFin()
    {
        var conversation = Handshake();
        conversation.Client.Fin();             // packet 3: the server's CLOSE_WAIT is only certain at its ACK
        conversation.Wait(0.04);
        conversation.Server.Ack();             // packet 4

        var ladder = Ladder(conversation.Segments);

        Assert.Equal(["FIN_WAIT_1"], StatesAt(ladder, 3, LadderSide.Originator));
        Assert.Equal(["CLOSE_WAIT"], StatesAt(ladder, 3, LadderSide.Responder));
        Assert.Equal(["FIN_WAIT_2"], StatesAt(ladder, 4, LadderSide.Originator));
    }

    [Fact]
    public void HandshakeWithinOneTimestamp_PutsEachChangeAtThePacketThatCausedIt()
    {
        var segments = Handshake().Segments.Select(s => s with { Timestamp = new PacketTime(1_700_000_000_000_000_000) }).ToList();

        var ladder = Ladder(segments);

        Assert.Equal(["SYN_SENT"], StatesAt(ladder, 0, LadderSide.Originator));
        Assert.Equal(["LISTEN", "SYN_RCVD"], StatesAt(ladder, 0, LadderSide.Responder));
        Assert.Equal(["ESTABLISHED"], StatesAt(ladder, 1, LadderSide.Originator));
        Assert.Equal(["ESTABLISHED"], StatesAt(ladder, 2, LadderSide.Responder));
    }

    [Fact]
    public void StateChanges_AreTheRecordsTransitionsInOrder()
    {
        var conversation = Handshake();
        var clientFin = conversation.Client.Fin();
        conversation.Server.Raw(TcpFlags.Fin | TcpFlags.Ack, conversation.Server.NextSeq, clientFin.Sequence);
        conversation.Client.Ack(conversation.Server.NextSeq + 1);
        conversation.Server.Ack(clientFin.Sequence + 1);

        var ladder = Ladder(conversation.Segments);

        foreach (var side in new[] { LadderSide.Originator, LadderSide.Responder })
        {
            var record = side == LadderSide.Originator ? ladder.Record.OriginatorTransitions : ladder.Record.ResponderTransitions;
            var placed = ladder.StateChanges.Where(c => c.Side == side).ToList();
            Assert.Equal(record.Select(t => (t.State, t.Time)), placed.Select(c => (c.To, c.Time)));
            Assert.All(placed, c => Assert.Equal(c.Time, ladder.Packets[c.PacketIndex].Time));
        }
        Assert.Single(ladder.Annotations, a => a.Kind == LadderEventKind.SimultaneousClose);
    }

    [Fact]
    public void TimeWaitExpiry_IsATimerRowAfterTheLastPacket()
    {
        var conversation = Handshake();
        conversation.Client.Fin();
        conversation.Server.Fin();
        conversation.Client.Ack();
        var options = new AnalysisOptions { TimeWaitSeconds = 1 };
        ConnectionSelector.TryParse("10.0.0.1:40000-10.0.0.2:80", out var selector, out _);
        var recorder = LadderRecorder.ForSelector(selector!, options);
        var tracker = new ConnectionTracker(options, new ConnectionStatistics());
        tracker.AddObserver(recorder);
        foreach (var segment in conversation.Segments)
            tracker.Process(segment);
        tracker.AdvanceTime(conversation.Segments[^1].Timestamp.AddSeconds(5));
        tracker.Finish();

        var ladder = Assert.Single(recorder.Matches).Ladder!;
        var timer = Assert.IsType<TimerStep>(ladder.Steps()[^1]);
        var change = Assert.Single(timer.StateChanges);
        Assert.Equal((RfcState.TimeWait, RfcState.Closed, -1), (change.From, change.To, change.PacketIndex));
    }

    [Fact]
    public void LongRunOfPlainPackets_FoldsKeepingTwoAtEachEnd_UnlessAllAreAskedFor()
    {
        var conversation = Handshake();
        for (int i = 0; i < 10; i++)
            conversation.Server.Data(1000);
        conversation.Client.Ack();
        conversation.Client.Fin();

        var ladder = Ladder(conversation.Segments);
        var steps = ladder.Steps();

        var fold = Assert.Single(steps.OfType<FoldedStep>());
        Assert.Equal((5, 11, 7, 7_000UL, 0UL), (fold.FirstIndex, fold.LastIndex, fold.ResponderDataSegments, fold.ResponderBytes, fold.OriginatorBytes));
        Assert.Equal(conversation.Segments.Count, ladder.Steps(all: true).Count);
        Assert.Equal(conversation.Segments.Count - fold.Packets + 1, steps.Count);
    }

    [Fact]
    public void ShortRunOfPlainPackets_IsNotFolded()
    {
        var conversation = Handshake();
        for (int i = 0; i < 6; i++)
            conversation.Server.Data(1000);

        Assert.Empty(Ladder(conversation.Segments).Steps().OfType<FoldedStep>());
    }

    [Fact]
    public void RelativeNumbers_CountFromEachSidesIsn()
    {
        var conversation = Handshake();
        conversation.Client.Data(12);

        var step = (PacketStep)Ladder(conversation.Segments).Steps()[3];

        Assert.Equal((1u, (uint?)1u), (step.RelativeSequence, step.RelativeAcknowledgment));
        var synAck = (PacketStep)Ladder(conversation.Segments).Steps()[1];
        Assert.Equal((0u, (uint?)1u), (synAck.RelativeSequence, synAck.RelativeAcknowledgment));
    }

    [Fact]
    public void AnomalyNamingTheConnection_IsShownAtThePacketWhereItFired()
    {
        var conversation = Handshake();
        conversation.Client.Data(12);
        var fired = conversation.Segments[3].Timestamp;
        // The uid is known once the connection is analysed; a detector raises its anomaly with it.
        string uid = Ladder(conversation.Segments).Record.Uid;
        var anomalies = new AnomalyAnnotations();
        anomalies.OnRaised(new Anomaly
        {
            Id = "test-anomaly",
            Level = AnomalyLevel.Connection,
            Severity = AnomalySeverity.Low,
            Subject = uid,
            FirstSeen = fired,
            Message = "something odd",
        });

        var ladder = Ladder(conversation.Segments, anomalies);

        var annotated = (PacketStep)ladder.Steps()[3];
        var annotation = Assert.Single(annotated.Annotations);
        Assert.Equal((LadderEventKind.Anomaly, "test-anomaly: something odd"), (annotation.Kind, annotation.Text));
    }

    [Fact]
    public void HostAnomalyListingTheConnectionAsEvidence_ReachesTheListing()
    {
        var conversation = Handshake();
        var options = new AnalysisOptions();
        var recorder = LadderRecorder.ListAll(options);
        var tracker = new ConnectionTracker(options, new ConnectionStatistics());
        tracker.AddObserver(recorder);
        foreach (var segment in conversation.Segments)
            tracker.Process(segment);
        tracker.Finish();
        var listed = Assert.Single(recorder.Connections);
        var flood = new Anomaly
        {
            Id = "syn-flood",
            Level = AnomalyLevel.Host,
            Severity = AnomalySeverity.High,
            Subject = "10.0.0.2:80",
            FirstSeen = conversation.Segments[0].Timestamp,
            Message = "many half-open connections",
        };
        flood.AddEvidence(listed.Uid);
        var anomalies = new AnomalyAnnotations();
        anomalies.OnRaised(flood);

        anomalies.ApplyTo(recorder.Connections);

        Assert.Equal(["syn-flood"], listed.Anomalies);
    }
}
