using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TcpState.Capture;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// The shared mechanics of "an endpoint stays in one state too long": the endpoints now in the state are kept by
/// (connection, side) with the time they entered it, and once per second of packet time those past the threshold are
/// reported. Memory follows how many endpoints are in the state, not how many passed through it; a scan looks only at
/// the endpoints that became due (a queue by entry time), so its cost follows what is reported, not how many linger —
/// a capture can tick its clock once a second for a million packets. Segments reach it only from an endpoint in the
/// state, the one place a confirmation can come from.
/// </summary>
internal abstract class StateLingerDetector(AnomalyEngine engine, RfcState state)
    : AnomalyDetector(engine, hearsFromStates: StatesOf(state))
{
    private const long ScanIntervalNs = PacketTime.NanosecondsPerSecond;

    /// <summary>
    /// Queue entries of endpoints that left the state stay until they come due; once the queue holds this many more than
    /// twice the endpoints in the state, it is rebuilt from them, so it follows the connection table, not the churn.
    /// </summary>
    private const int StaleEntriesSlack = 1024;

    protected readonly record struct Lingering(ConnectionIdentity Connection, bool Originator, PacketTime Since, bool Confirmed);

    /// <summary>
    /// An endpoint's stay in the state, with what the scans learned of it: one entry holds it all, so entering and leaving
    /// cost one lookup each, not one per fact kept about the stay.
    /// </summary>
    private struct Stay
    {
        public Lingering Entry;
        /// <summary>The stay's anomaly, once reported (or <see cref="CountedOnly"/> past the listing limit).</summary>
        public Anomaly? Reported;
        /// <summary>Past the threshold but not yet confirmed: reported at the next scan once its own segment confirms it.</summary>
        public bool AwaitingConfirmation;
    }

    private readonly Dictionary<(long, bool), Stay> _inState = [];
    /// <summary>Endpoints by the time they entered the state, earliest first; stale entries are skipped when they come due.</summary>
    private readonly PriorityQueue<(long, bool), long> _byEntry = new();
    private readonly List<(long, bool)> _due = [];
    private long _nextScanNs = long.MinValue;

    protected abstract double ThresholdSeconds { get; }

    /// <summary>
    /// Whether the endpoint's own segments must confirm the state before it is reported: entering a state on evidence
    /// the endpoint never sent (a one-sided capture) is not enough to blame its application.
    /// </summary>
    protected virtual bool NeedsConfirmation => false;

    /// <summary>True when the segment the endpoint just sent confirms it is in the state.</summary>
    protected virtual bool Confirms(in ConnectionView connection, bool originator) => true;

    public override DetectorInterests Interests =>
        DetectorInterests.Transitions | DetectorInterests.Clock | DetectorInterests.Finished |
        (NeedsConfirmation ? DetectorInterests.Segments : DetectorInterests.None);

    public override void OnSegment(in ConnectionView connection, in Capture.Decoding.TcpSegment segment, in SegmentFacts facts)
    {
        // Only an endpoint in the state can be waiting for its confirmation; asking its state first spares a lookup
        // for every segment of every other connection while some endpoint lingers.
        if (_inState.Count == 0 || (facts.FromOriginator ? connection.OriginatorState : connection.ResponderState) != state)
            return;
        var key = (connection.Id, facts.FromOriginator);
        ref var stay = ref CollectionsMarshal.GetValueRefOrNullRef(_inState, key);
        if (!Unsafe.IsNullRef(ref stay) && !stay.Entry.Confirmed && Confirms(connection, facts.FromOriginator))
        {
            stay.Entry = stay.Entry with { Confirmed = true };
            if (stay.AwaitingConfirmation)
            {
                stay.AwaitingConfirmation = false;
                _due.Add(key);
            }
        }
    }

    /// <summary>Queue entries looked at by scans, for tests that bound the work.</summary>
    internal long EntriesScanned { get; private set; }

    public override uint TransitionStates => StatesOf(state);

    public override void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time)
    {
        var key = (connection.Id, originator);
        if (to == state)
        {
            // A stay that begins replaces any earlier one of the endpoint's, with what was known of it.
            _inState[key] = new Stay { Entry = new Lingering(connection.Identity, originator, time, Confirmed: !NeedsConfirmation) };
            _byEntry.Enqueue(key, time.UnixNanoseconds);
            if (_byEntry.Count > 2 * _inState.Count + StaleEntriesSlack)
                DropStaleEntries();
            Engine.WakeBy(WakeAtNs);
        }
        else if (from == state)
            Leave(key, time, ended: true);
    }

    public override void OnFinished(in ConnectionView connection)
    {
        bool originatorStays = connection.OriginatorState == state, responderStays = connection.ResponderState == state;
        // Leaving the state removed an endpoint, so a connection with neither endpoint in it has nothing here; most
        // connections end that way, and asking first spares them two lookups.
        if (!originatorStays && !responderStays)
            return;
        // A connection written out while still in the state (end of input, idle) lingered until now, not just until
        // its last packet.
        var until = PacketTime.Max(connection.LastSeen, Engine.Now);
        Leave((connection.Id, true), originatorStays ? until : connection.LastSeen, ended: !originatorStays);
        Leave((connection.Id, false), responderStays ? until : connection.LastSeen, ended: !responderStays);
    }

    public override long WakeAtNs => _inState.Count == 0 ? long.MaxValue : _nextScanNs;

    public override void OnClock(PacketTime now)
    {
        if (now.UnixNanoseconds < _nextScanNs || _inState.Count == 0)
            return;
        _nextScanNs = now.UnixNanoseconds + ScanIntervalNs;
        long threshold = Nanoseconds(ThresholdSeconds);
        while (_byEntry.TryPeek(out var key, out long since) && now.UnixNanoseconds - since >= threshold)
        {
            _byEntry.Dequeue();
            EntriesScanned++;
            // Skipped when the endpoint left, or left and came back (that stay has its own entry further on).
            ref var stay = ref CollectionsMarshal.GetValueRefOrNullRef(_inState, key);
            if (Unsafe.IsNullRef(ref stay) || stay.Entry.Since.UnixNanoseconds != since || stay.Reported is not null)
                continue;
            if (stay.Entry.Confirmed) _due.Add(key);
            else stay.AwaitingConfirmation = true;
        }
        foreach (var key in _due)
        {
            if (!_inState.TryGetValue(key, out var stay) || !stay.Entry.Confirmed || stay.Reported is not null ||
                now.UnixNanoseconds - stay.Entry.Since.UnixNanoseconds < threshold)
                continue;
            // Reporting calls out to the engine and its sinks, so the entry is written by key afterwards, not through
            // a reference into the table taken before.
            var anomaly = ReportOrCount(stay.Entry, now);
            ref var reported = ref CollectionsMarshal.GetValueRefOrNullRef(_inState, key);
            if (!Unsafe.IsNullRef(ref reported))
                reported.Reported = anomaly;
        }
        _due.Clear();
    }

    private void DropStaleEntries()
    {
        _byEntry.Clear();
        foreach (var (key, stay) in _inState)
            if (stay.Reported is null)
                _byEntry.Enqueue(key, stay.Entry.Since.UnixNanoseconds);
    }

    public override void OnEnd(PacketTime now)
    {
        _nextScanNs = long.MinValue;
        OnClock(now);
        foreach (var (_, stay) in _inState)
            if (stay.Reported is { } anomaly)
                Update(stay.Entry, anomaly, now, ended: false);
    }

    /// <summary>Stands for the endpoints past the kind's listing limit: counted, never described.</summary>
    private static readonly Anomaly CountedOnly = new()
    {
        Id = "", Level = AnomalyLevel.Connection, Severity = AnomalySeverity.Info, Subject = "", FirstSeen = default,
        Message = "", Listed = false,
    };

    /// <summary>The anomaly id this detector reports.</summary>
    protected abstract string AnomalyId { get; }

    private Anomaly ReportOrCount(Lingering entry, PacketTime now)
    {
        if (!Engine.OnlyCounts(AnomalyId))
            return Report(entry, now);
        Engine.CountNotListed(AnomalyId);
        Counted(entry, now);
        return CountedOnly;
    }

    /// <summary>Raises the anomaly for an endpoint that has been in the state past the threshold.</summary>
    protected abstract Anomaly Report(Lingering entry, PacketTime now);

    /// <summary>An endpoint past the threshold once the kind's listing is full: what still needs it besides the listing.</summary>
    protected virtual void Counted(Lingering entry, PacketTime now) { }

    /// <summary>Brings the anomaly's duration up to <paramref name="until"/>; <paramref name="ended"/> when the endpoint left the state.</summary>
    protected void Update(Lingering entry, Anomaly anomaly, PacketTime until, bool ended)
    {
        // Past its kind's listing limit an anomaly is only counted: writing its sentence would be a string per
        // lingering connection that nobody reads.
        if (anomaly.Listed)
            Describe(entry, anomaly, until, ended);
    }

    /// <summary>Writes the anomaly's figures and message for a stay in the state that lasted until <paramref name="until"/>.</summary>
    protected abstract void Describe(Lingering entry, Anomaly anomaly, PacketTime until, bool ended);

    protected static string Seconds(double seconds) => seconds.ToString("0.#", CultureInfo.InvariantCulture);

    private void Leave((long, bool) key, PacketTime at, bool ended)
    {
        if (!_inState.Remove(key, out var stay))
            return;
        var entry = stay.Entry;
        if (stay.Reported is { } anomaly)
            Update(entry, anomaly, at, ended);
        else if (entry.Confirmed && at.UnixNanoseconds - entry.Since.UnixNanoseconds >= Nanoseconds(ThresholdSeconds))
            Update(entry, ReportOrCount(entry, at), at, ended); // past the threshold since the last scan
    }
}
