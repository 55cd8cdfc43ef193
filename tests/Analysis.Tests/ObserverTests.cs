using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>What observers are told: segment facts, transitions, notes, finished connections and the clock.</summary>
public class ObserverTests
{
    private sealed class Recorder : IConnectionObserver
    {
        public List<(long Id, SegmentFacts Facts)> Segments { get; } = [];
        public List<string> Transitions { get; } = [];
        public List<StateMachineNote> Notes { get; } = [];
        public List<long> Finished { get; } = [];
        public PacketTime LastClock { get; private set; }

        public void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts) =>
            Segments.Add((connection.Id, facts));

        public void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time) =>
            Transitions.Add($"{(originator ? "orig" : "resp")} {to.ToRfcName()}");

        public void OnNote(in ConnectionView connection, StateMachineNote note, bool originator, PacketTime time) => Notes.Add(note);

        public void OnFinished(in ConnectionView connection) => Finished.Add(connection.Id);

        public void OnClock(PacketTime now) => LastClock = now;
    }

    private static Recorder Run(TcpConversation conversation)
    {
        var recorder = new Recorder();
        var tracker = new ConnectionTracker(new AnalysisOptions(), new ConnectionStatistics());
        tracker.AddObserver(recorder);
        foreach (var segment in conversation.Segments)
            tracker.Process(segment);
        tracker.Finish();
        return recorder;
    }

    [Fact]
    public void KeepAliveProbes_RetransmissionsAndZeroWindows_AreTold()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        var server = conversation.Server;
        client.Syn();
        server.SynAck();
        client.Ack();
        var data = client.Data(100);
        server.Ack();
        client.Raw(TcpFlags.Ack, client.NextSeq - 1, server.NextSeq);                  // keep-alive
        client.Retransmit(TcpFlags.Ack | TcpFlags.Psh, data.Sequence, 100);            // retransmission
        server.Raw(TcpFlags.Ack, server.NextSeq, client.NextSeq, window: 0);           // zero window
        client.Raw(TcpFlags.Ack, client.NextSeq - 1, server.NextSeq);                  // zero-window probe

        var facts = Run(conversation).Segments.Select(s => s.Facts).ToList();

        Assert.True(facts[0].OpenedConnection);
        Assert.True(facts[0].FromOriginator);
        Assert.False(facts[1].FromOriginator);
        Assert.True(facts[5].KeepAlive);
        Assert.False(facts[5].Retransmission);
        Assert.True(facts[6].Retransmission);
        Assert.True(facts[7].ZeroWindow);
        Assert.True(facts[8].ZeroWindowProbe);
        Assert.False(facts[8].KeepAlive);
        Assert.Equal(1, facts.Count(f => f.KeepAlive));
    }

    [Fact]
    public void TransitionsNotesAndTheEnd_AreTold()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        var server = conversation.Server;
        client.Syn();
        server.SynAck();
        client.Ack();
        var clientFin = client.Fin();
        server.Raw(TcpFlags.Fin | TcpFlags.Ack, server.NextSeq, clientFin.Sequence);
        client.Ack(server.NextSeq + 1);
        server.Ack(clientFin.Sequence + 1);

        var recorder = Run(conversation);

        Assert.Equal(
            ["orig SYN_SENT", "resp LISTEN", "resp SYN_RCVD", "orig ESTABLISHED", "resp ESTABLISHED", "orig FIN_WAIT_1",
             "resp FIN_WAIT_1", "orig CLOSING", "resp CLOSING", "resp TIME_WAIT", "orig TIME_WAIT"],
            recorder.Transitions);
        Assert.Contains(StateMachineNote.SimultaneousClose, recorder.Notes);
        Assert.Single(recorder.Finished);
        Assert.Equal(conversation.Segments[^1].Timestamp, recorder.LastClock);
    }
}
