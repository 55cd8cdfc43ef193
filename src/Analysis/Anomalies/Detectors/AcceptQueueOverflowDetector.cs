using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// accept-queue-overflow: clients complete the handshake but the listener does not take the connection. With Linux's
/// tcp_abort_on_overflow = 0 the listener drops the final ACK, so after the client has acknowledged the SYN-ACK the
/// listener retransmits it; with = 1 it answers the ACK with RST before sending a byte. Counted per listener within a
/// window.
/// </summary>
internal sealed class AcceptQueueOverflowDetector(AnomalyEngine engine) : AnomalyDetector(engine)
{
    private sealed class Listener(double windowSeconds, int cap) : IForgettable
    {
        public readonly SlidingWindow Recent = new(windowSeconds, cap);
        public long Ignored, Reset;
        public readonly EarlyEvidence Early = new();
        public Anomaly? Anomaly;

        public bool CanForget => Anomaly is not { Listed: true };

        void IForgettable.Reset()
        {
            Recent.Clear();
            Ignored = Reset = 0;
            Early.Clear();
            Anomaly = null;
        }
    }

    private readonly AddressTable<EndpointKey, Listener> _listeners = new();
    private readonly HashSet<long> _counted = [];

    public override DetectorInterests Interests => DetectorInterests.SynOrRstSegments | DetectorInterests.Finished;

    public override long EntriesForgotten => _listeners.Forgotten;

    public override void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        if (facts.FromOriginator)
            return;
        var server = connection.Responder;
        var client = connection.Originator;
        // The client has acknowledged the SYN-ACK: it believes the connection is established.
        bool clientCompleted = server.HasIsn && client.HasAcked && SequenceNumbers.IsAfter(client.LastAck, server.Isn);
        if (!clientCompleted)
            return;

        bool ignoredAck = segment.Has(TcpFlags.Syn) && segment.Has(TcpFlags.Ack) && facts.RetransmittedSyn;
        bool resetAck = segment.Has(TcpFlags.Rst) && server.SendNext == server.Isn + 1;
        if ((ignoredAck || resetAck) && _counted.Add(connection.Id))
            Count(connection, ignoredAck, segment.Timestamp);
    }

    public override void OnFinished(in ConnectionView connection)
    {
        // Every connection ends here; an empty set spares each of them a hash lookup.
        if (_counted.Count > 0)
            _counted.Remove(connection.Id);
    }

    private void Count(in ConnectionView connection, bool ignored, Capture.PacketTime time)
    {
        var key = new EndpointKey(connection.ResponderAddress, connection.ResponderPort);
        var listener = _listeners.GetOrAdd(key, static settings => new Listener(
            settings.AcceptQueueOverflowWindowSeconds, settings.AcceptQueueOverflowThreshold * 4), Settings);
        if (ignored) listener.Ignored++;
        else listener.Reset++;
        int recent = listener.Recent.Add(time);
        listener.Early.Remember(connection.Identity);
        if (listener.Anomaly is null && recent < Settings.AcceptQueueOverflowThreshold)
            return;

        if (listener.Anomaly is null)
        {
            listener.Anomaly = Engine.GetOrCreate(AnomalyCatalogue.AcceptQueueOverflow, AnomalyLevel.Host, key.ToString(), time);
            listener.Anomaly.DescribeWith(Describer(key, listener));
        }
        var anomaly = listener.Anomaly;
        anomaly.LastSeen = time;
        anomaly.Count = listener.Ignored + listener.Reset;
        anomaly.Changed();
        listener.Early.MoveTo(anomaly);
        Engine.Raise(anomaly);
    }

    // A method of its own: a lambda in the caller would make the compiler allocate its closure on every call.
    private static Action<Anomaly> Describer(EndpointKey key, Listener listener) => anomaly => Describe(anomaly, key, listener);

    private static void Describe(Anomaly anomaly, EndpointKey key, Listener listener)
    {
        anomaly.Details["handshake_acks_ignored"] = listener.Ignored;
        anomaly.Details["handshake_acks_reset"] = listener.Reset;
        anomaly.Message =
            $"{key} did not accept {anomaly.Count} connections whose clients had completed the handshake: " +
            $"{listener.Ignored} had their final ACK ignored (SYN-ACK retransmitted: tcp_abort_on_overflow=0), " +
            $"{listener.Reset} were answered with RST (tcp_abort_on_overflow=1). The application is not calling accept() " +
            "fast enough or its listen() backlog is too small (check ss -lnt Recv-Q against Send-Q, and somaxconn).";
    }
}
