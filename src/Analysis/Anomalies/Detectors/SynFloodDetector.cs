
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// syn-flood: half-open connections toward one listener — a SYN seen, the handshake never completed — opened within a
/// window exceed a threshold. Reports the peak, the distinct sources and how many were never seen again (spoofed
/// sources send nothing but the SYN), the SYN / SYN-ACK / ACK counts, SYN-ACK retransmissions, and whether the SYN-ACKs
/// look like SYN cookies (Linux answers from a cookie without keeping state: it never retransmits them, and the MSS it
/// encodes is one of the four values of its cookie table).
/// </summary>
internal sealed class SynFloodDetector(AnomalyEngine engine) : AnomalyDetector(engine)
{
    /// <summary>Linux's SYN-cookie MSS table for IPv4 (net/ipv4/syncookies.c) and IPv6 (net/ipv6/syncookies.c).</summary>
    private static readonly ushort[] CookieMssValues = [536, 1300, 1440, 1460, 1220];

    /// <summary>Distinct sources remembered per listener; beyond it the count is a lower bound.</summary>
    private const int MaxTrackedSources = 65_536;

    /// <summary>
    /// Openings whose connection already left (finished, evicted) stay queued until they age out of the window; once the
    /// queue holds this many more than twice the half-open count, it is rebuilt with the live ones only, so it follows
    /// the connection table's size rather than the flood's rate.
    /// </summary>
    private const int StaleOpeningsSlack = 1024;

    private sealed class Listener(SetBudget budget) : IForgettable
    {
        public int HalfOpenInWindow;
        public int Peak;
        public long Syns, SynAcks, SynAckRetransmissions, HandshakeAcks, NonCookieSynAcks;
        public readonly BoundedSet<IpAddress> Sources = new(MaxTrackedSources, budget);
        public readonly BoundedSet<IpAddress> SourcesSeenAgain = new(MaxTrackedSources, budget);
        /// <summary>Sources are recorded only once a listener looks suspicious, so ordinary traffic costs nothing.</summary>
        public bool WatchingSources;
        public Anomaly? Anomaly;

        /// <summary>One with half-open connections in its window or a listed anomaly is never forgotten.</summary>
        public bool CanForget => HalfOpenInWindow == 0 && Anomaly is not { Listed: true };

        public void Reset()
        {
            HalfOpenInWindow = Peak = 0;
            Syns = SynAcks = SynAckRetransmissions = HandshakeAcks = NonCookieSynAcks = 0;
            Sources.Release();
            SourcesSeenAgain.Release();
            WatchingSources = false;
            Anomaly = null;
        }
    }

    /// <summary>
    /// A half-open connection's listener and source. The listener is held by reference: one with half-open connections
    /// in its window is never forgotten, so the reference stays its own.
    /// </summary>
    private readonly record struct HalfOpen(Listener Listener, IpAddress Source);

    /// <summary>
    /// A connection opened within the window, in opening order. Only its id and time: a flood queues one per spoofed
    /// source, so the rest is looked up in <see cref="_halfOpen"/> (16 bytes queued where 56 were).
    /// </summary>
    private readonly record struct Opening(long ConnectionId, long OpenedNs);

    private readonly SetBudget _sourceBudget = new();

    private readonly AddressTable<EndpointKey, Listener> _listeners = new();

    /// <summary>Half-open connections still counted in their listener's window, by connection id.</summary>
    private readonly Dictionary<long, HalfOpen> _halfOpen = [];
    private readonly Queue<Opening> _openings = new();
    /// <summary>When the oldest queued opening leaves the window; kept whenever the queue's head changes, so the clock wakes the detector only then.</summary>
    private long _oldestLeavesWindowNs = long.MinValue;

    public override DetectorInterests Interests =>
        DetectorInterests.SynOrRstSegments | DetectorInterests.Transitions | DetectorInterests.Finished | DetectorInterests.Clock;

    public override long EntriesForgotten => _listeners.Forgotten;

    public override void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        if (!segment.Has(TcpFlags.Syn) || segment.Has(TcpFlags.Rst))
            return;
        var key = new EndpointKey(connection.ResponderAddress, connection.ResponderPort);
        if (facts.FromOriginator && !segment.Has(TcpFlags.Ack))
        {
            var listener = ListenerFor(key);
            listener.Syns++;
            if (facts.OpenedConnection)
            {
                if (!listener.WatchingSources && listener.HalfOpenInWindow >= Math.Max(1, Settings.SynFloodHalfOpenThreshold / 4))
                    StartWatchingSources(listener);
                if (listener.WatchingSources)
                    TrackSource(listener, connection.OriginatorAddress);
                _halfOpen[connection.Id] = new HalfOpen(listener, connection.OriginatorAddress);
                _openings.Enqueue(new Opening(connection.Id, segment.Timestamp.UnixNanoseconds));
                if (_openings.Count == 1)
                    NoteOldestOpening();
                if (_openings.Count > 2 * _halfOpen.Count + StaleOpeningsSlack)
                    DropStaleOpenings();
                listener.HalfOpenInWindow++;
                if (listener.HalfOpenInWindow > listener.Peak)
                    listener.Peak = listener.HalfOpenInWindow;
                if (listener.HalfOpenInWindow >= Settings.SynFloodHalfOpenThreshold)
                    Fire(key, listener, connection.Identity, segment.Timestamp);
            }
        }
        else if (!facts.FromOriginator && segment.Has(TcpFlags.Ack) && _listeners.TryGetValue(key, out var listener))
        {
            listener.SynAcks++;
            if (facts.RetransmittedSyn) listener.SynAckRetransmissions++;
            if (Array.IndexOf(CookieMssValues, segment.Options.Mss) < 0) listener.NonCookieSynAcks++;
        }
    }

    public override uint TransitionStates => StatesOf(RfcState.SynSent);

    public override void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time)
    {
        if (!originator || from != RfcState.SynSent || !_halfOpen.Remove(connection.Id, out var halfOpen))
            return;
        // The originator answered: it completed the handshake, or reset it. Either way it exists, and it is no
        // longer half-open.
        var listener = halfOpen.Listener;
        listener.HalfOpenInWindow--;
        if (to == RfcState.Established) listener.HandshakeAcks++;
        if (listener.WatchingSources)
            listener.SourcesSeenAgain.Add(connection.OriginatorAddress);
    }

    public override void OnFinished(in ConnectionView connection)
    {
        // Only a connection whose originator is still in SYN_SENT can be counted: leaving SYN_SENT removed it. Asking
        // first spares every other connection a lookup in a table as large as the half-open count.
        if (connection.OriginatorState != RfcState.SynSent)
            return;
        if (_halfOpen.Remove(connection.Id, out var halfOpen))
            halfOpen.Listener.HalfOpenInWindow--;
    }

    public override long WakeAtNs => _openings.Count == 0 ? long.MaxValue : _oldestLeavesWindowNs + 1;

    public override void OnClock(PacketTime now)
    {
        long oldest = now.UnixNanoseconds - Nanoseconds(Settings.SynFloodWindowSeconds);
        while (_openings.Count > 0 && _openings.Peek().OpenedNs < oldest)
        {
            var opening = _openings.Dequeue();
            // Still half-open but older than the window: it stops counting toward the flood.
            if (_halfOpen.Remove(opening.ConnectionId, out var halfOpen))
                halfOpen.Listener.HalfOpenInWindow--;
        }
        NoteOldestOpening();
    }

    private void NoteOldestOpening()
    {
        _oldestLeavesWindowNs = _openings.TryPeek(out var oldest)
            ? oldest.OpenedNs + Nanoseconds(Settings.SynFloodWindowSeconds)
            : long.MinValue;
        Engine.WakeBy(WakeAtNs);
    }

    /// <summary>Keeps, in order, only the openings whose connection is still counted as half-open.</summary>
    private void DropStaleOpenings()
    {
        for (int i = _openings.Count; i > 0; i--)
        {
            var opening = _openings.Dequeue();
            if (_halfOpen.ContainsKey(opening.ConnectionId))
                _openings.Enqueue(opening);
        }
        NoteOldestOpening();
    }

    public override void OnEnd(PacketTime now)
    {
        foreach (var (key, listener) in _listeners.Entries)
            if (listener.Anomaly is { } anomaly)
                Describe(key, listener, anomaly);
    }

    private Listener ListenerFor(EndpointKey key) => _listeners.GetOrAdd(key, static budget => new Listener(budget), _sourceBudget);

    /// <summary>The listener starts to look suspicious: count the sources of the half-open connections already in its window too.</summary>
    private void StartWatchingSources(Listener listener)
    {
        listener.WatchingSources = true;
        foreach (var opening in _openings)
            if (_halfOpen.TryGetValue(opening.ConnectionId, out var halfOpen) && halfOpen.Listener == listener)
                TrackSource(listener, halfOpen.Source);
    }

    private static void TrackSource(Listener listener, IpAddress source) => listener.Sources.Add(source);

    private void Fire(EndpointKey key, Listener listener, ConnectionIdentity identity, PacketTime time)
    {
        var anomaly = listener.Anomaly ??= Engine.GetOrCreate(AnomalyCatalogue.SynFlood, AnomalyLevel.Host, key.ToString(), time);
        anomaly.LastSeen = time;
        if (anomaly.Evidence.Count < Anomaly.MaxEvidence)
            anomaly.AddEvidence(identity.Uid);
        if (!anomaly.Raised)
        {
            Describe(key, listener, anomaly);
            Engine.Raise(anomaly);
        }
    }

    private static void Describe(EndpointKey key, Listener listener, Anomaly anomaly)
    {
        int sources = listener.Sources.Count;
        int neverSeenAgain = listener.Sources.Values.Count(s => !listener.SourcesSeenAgain.Contains(s));
        double spoofedShare = sources == 0 ? 0 : (double)neverSeenAgain / sources;
        bool cookies = listener.SynAcks > 0 && listener.SynAckRetransmissions == 0 && listener.NonCookieSynAcks == 0;
        anomaly.Count = listener.Syns;
        anomaly.Details["peak_half_open"] = listener.Peak;
        anomaly.Details["distinct_sources"] = sources;
        anomaly.Details["distinct_sources_capped"] = listener.Sources.Capped;
        anomaly.Details["sources_never_seen_again"] = neverSeenAgain;
        anomaly.Details["syns"] = listener.Syns;
        anomaly.Details["syn_acks"] = listener.SynAcks;
        anomaly.Details["handshake_acks"] = listener.HandshakeAcks;
        anomaly.Details["syn_ack_retransmissions"] = listener.SynAckRetransmissions;
        anomaly.Details["syn_cookies_likely"] = cookies;
        anomaly.Message = (
            $"{key} had up to {listener.Peak} half-open connections: {listener.Syns} SYNs from {sources}{(listener.Sources.Capped ? "+" : "")} " +
            $"sources ({spoofedShare:P0} never seen again, a sign of spoofing), {listener.SynAcks} SYN-ACKs " +
            $"({listener.SynAckRetransmissions} retransmitted), {listener.HandshakeAcks} handshakes completed; " +
            (cookies ? "the SYN-ACKs look like SYN cookies (never retransmitted, MSS from the cookie table): the listener's SYN queue overflowed"
                     : "the listener kept state for them (SYN-ACKs retransmitted or not cookie-shaped): its SYN queue is filling"));
    }
}
