using System.Globalization;
using TcpState.Capture;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// The shared mechanics of "an endpoint stays in one state too long": the endpoints now in the state are kept by
/// (connection, side) with the time they entered it, and once per second of packet time those past the threshold are
/// reported. Memory follows how many endpoints are in the state, not how many passed through it.
/// </summary>
internal abstract class StateLingerDetector(AnomalyEngine engine, RfcState state) : AnomalyDetector(engine)
{
    private const long ScanIntervalNs = PacketTime.NanosecondsPerSecond;

    protected readonly record struct Lingering(ConnectionIdentity Connection, bool Originator, PacketTime Since, bool Confirmed);

    private readonly Dictionary<(long, bool), Lingering> _inState = [];
    private readonly Dictionary<(long, bool), Anomaly> _reported = [];
    private readonly List<(long, bool)> _due = [];
    private long _nextScanNs = long.MinValue;
    private PacketTime _clock;

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
        if (_inState.Count == 0)
            return;
        var key = (connection.Id, facts.FromOriginator);
        if (_inState.TryGetValue(key, out var entry) && !entry.Confirmed && Confirms(connection, facts.FromOriginator))
            _inState[key] = entry with { Confirmed = true };
    }

    public override void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time)
    {
        var key = (connection.Id, originator);
        if (to == state)
            _inState[key] = new Lingering(connection.Identity, originator, time, Confirmed: !NeedsConfirmation);
        else if (from == state)
            Leave(key, time, ended: true);
    }

    public override void OnFinished(in ConnectionView connection)
    {
        // A connection written out while still in the state (end of input, idle) lingered until now, not just until
        // its last packet.
        var until = PacketTime.Max(connection.LastSeen, _clock);
        bool originatorStays = connection.OriginatorState == state, responderStays = connection.ResponderState == state;
        Leave((connection.Id, true), originatorStays ? until : connection.LastSeen, ended: !originatorStays);
        Leave((connection.Id, false), responderStays ? until : connection.LastSeen, ended: !responderStays);
    }

    public override void OnClock(PacketTime now)
    {
        _clock = now;
        if (now.UnixNanoseconds < _nextScanNs || _inState.Count == 0)
            return;
        _nextScanNs = now.UnixNanoseconds + ScanIntervalNs;
        long threshold = Nanoseconds(ThresholdSeconds);
        foreach (var (key, entry) in _inState)
            if (entry.Confirmed && now.UnixNanoseconds - entry.Since.UnixNanoseconds >= threshold && !_reported.ContainsKey(key))
                _due.Add(key);
        foreach (var key in _due)
            _reported[key] = Report(_inState[key], now);
        _due.Clear();
    }

    public override void OnEnd(PacketTime now)
    {
        _nextScanNs = long.MinValue;
        OnClock(now);
        foreach (var (key, anomaly) in _reported)
            if (_inState.TryGetValue(key, out var entry))
                Update(entry, anomaly, now, ended: false);
    }

    /// <summary>Raises the anomaly for an endpoint that has been in the state past the threshold.</summary>
    protected abstract Anomaly Report(Lingering entry, PacketTime now);

    /// <summary>Brings the anomaly's duration up to <paramref name="until"/>; <paramref name="ended"/> when the endpoint left the state.</summary>
    protected abstract void Update(Lingering entry, Anomaly anomaly, PacketTime until, bool ended);

    protected static string Seconds(double seconds) => seconds.ToString("0.#", CultureInfo.InvariantCulture);

    private void Leave((long, bool) key, PacketTime at, bool ended)
    {
        if (!_inState.Remove(key, out var entry))
            return;
        if (_reported.Remove(key, out var anomaly))
            Update(entry, anomaly, at, ended);
        else if (entry.Confirmed && at.UnixNanoseconds - entry.Since.UnixNanoseconds >= Nanoseconds(ThresholdSeconds))
            Update(entry, Report(entry, at), at, ended); // past the threshold since the last scan
    }
}
