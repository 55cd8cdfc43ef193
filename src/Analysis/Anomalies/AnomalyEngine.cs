using TcpState.Analysis.Anomalies.Detectors;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies;

/// <summary>
/// Runs every detector in the catalogue as one tracker observer, and keeps the anomalies they raise: one per
/// (id, level, subject), updated as evidence grows, up to <see cref="DetectorLimits.MaxListedPerKind"/> per kind (later
/// ones are counted in <see cref="NotListed"/>). Sinks hear of each anomaly when it is first raised.
/// </summary>
public sealed class AnomalyEngine : IConnectionObserver, ITrackerAttached
{
    private readonly Dictionary<(string Id, AnomalyLevel Level, string Subject), Anomaly> _byKey = [];
    private readonly List<Anomaly> _anomalies = [];
    private readonly List<IAnomalySink> _sinks = [];
    private readonly Dictionary<string, int> _keptPerKind = [];
    private readonly Dictionary<string, long> _notListed = [];
    private readonly AnomalyDetector[] _detectors;
    private readonly AnomalyDetector[] _onSegment, _onSynOrRstSegment, _onTransition, _onNote, _onFinished, _onClock;
    /// <summary>Each of <see cref="_onTransition"/>'s <see cref="AnomalyDetector.TransitionStates"/>, one for one.</summary>
    private readonly uint[] _transitionStates;
    /// <summary>The earliest <see cref="AnomalyDetector.WakeAtNs"/>: until then the clock calls no detector.</summary>
    private long _nextWakeNs = long.MinValue;

    public AnomalyEngine(DetectorSettings? settings = null)
    {
        Settings = settings ?? new DetectorSettings();
        _detectors =
        [
            new SynFloodDetector(this),
            new AcceptQueueOverflowDetector(this),
            new ConnectionRefusedDetector(this),
            new PortScanDetector(this),
            new CloseWaitLingerDetector(this),
            new TimeWaitBuildupDetector(this),
            new FinWait2TimeoutDetector(this),
            new PeerUnreachableDetector(this),
            new KeepaliveDeadPeerDetector(this),
            new ZeroWindowDetector(this),
            new SynWithDataDetector(this),
            new BadHandshakeAckDetector(this),
            new SynIsnChangedDetector(this),
            new RstOutOfWindowDetector(this),
            new PortReuseTimeWaitDetector(this),
        ];
        _onSegment = With(DetectorInterests.Segments);
        _onSynOrRstSegment = With(DetectorInterests.Segments | DetectorInterests.SynOrRstSegments);
        _onTransition = With(DetectorInterests.Transitions);
        _transitionStates = _onTransition.Select(d => d.TransitionStates).ToArray();
        _onNote = With(DetectorInterests.Notes);
        _onFinished = With(DetectorInterests.Finished);
        _onClock = With(DetectorInterests.Clock);
    }

    public DetectorSettings Settings { get; }

    /// <summary>The packet clock as the tracker last advanced it.</summary>
    public PacketTime Now { get; private set; }

    /// <summary>The tracker this engine watches, once added to one.</summary>
    public ConnectionTracker? Tracker { get; private set; }

    void ITrackerAttached.AttachedTo(ConnectionTracker tracker) => Tracker = tracker;

    /// <summary>Every anomaly raised so far, in the order they were first raised.</summary>
    public IReadOnlyList<Anomaly> Anomalies => _anomalies;

    /// <summary>The anomalies, most severe first, then by first seen.</summary>
    public IEnumerable<Anomaly> BySeverity =>
        _anomalies.OrderByDescending(a => a.Severity).ThenBy(a => a.FirstSeen).ThenBy(a => a.Id, StringComparer.Ordinal);

    /// <summary>Anomalies raised past <see cref="DetectorLimits.MaxListedPerKind"/>, by kind: counted, not listed.</summary>
    public IReadOnlyDictionary<string, long> NotListed => _notListed;

    /// <summary>Entries the detectors forgot from full tables before they reached a threshold (a flood of distinct addresses).</summary>
    public long DetectorEntriesForgotten => _detectors.Sum(d => d.EntriesForgotten);

    public void AddSink(IAnomalySink sink) => _sinks.Add(sink);

    /// <summary>The running detector of one type (tests look at the work it did).</summary>
    internal T Detector<T>() where T : AnomalyDetector => _detectors.OfType<T>().Single();

    /// <summary>
    /// The anomaly for (id, level, subject), created on first use (not yet raised: call <see cref="Raise"/>). Once its
    /// kind has <see cref="DetectorLimits.MaxListedPerKind"/>, a new one is made for the caller but not kept.
    /// </summary>
    public Anomaly GetOrCreate(string id, AnomalyLevel level, string subject, PacketTime time)
    {
        var key = (id, level, subject);
        if (_byKey.TryGetValue(key, out var anomaly))
        {
            if (time > anomaly.LastSeen) anomaly.LastSeen = time;
            return anomaly;
        }
        int kept = _keptPerKind.GetValueOrDefault(id);
        var kind = AnomalyCatalogue.Get(id);
        anomaly = new Anomaly
        {
            Id = id,
            Level = level,
            Severity = kind.Severity,
            Subject = subject,
            FirstSeen = time,
            LastSeen = time,
            Message = kind.Summary,
            Listed = kept < DetectorLimits.MaxListedPerKind,
        };
        if (anomaly.Listed)
        {
            _byKey.Add(key, anomaly);
            _keptPerKind[id] = kept + 1;
        }
        return anomaly;
    }

    /// <summary>
    /// True once <paramref name="id"/> has its <see cref="DetectorLimits.MaxListedPerKind"/> listed anomalies: a
    /// detector may then count a new occurrence with <see cref="CountNotListed"/> instead of building an anomaly
    /// (message, details, evidence) nobody will read.
    /// </summary>
    public bool OnlyCounts(string id) => _keptPerKind.GetValueOrDefault(id) >= DetectorLimits.MaxListedPerKind;

    /// <summary>One more anomaly of this kind past its listing limit, as <see cref="Raise"/> counts an unlisted one.</summary>
    public void CountNotListed(string id) => _notListed[id] = _notListed.GetValueOrDefault(id) + 1;

    public Anomaly? Find(string id, AnomalyLevel level, string subject) =>
        _byKey.TryGetValue((id, level, subject), out var anomaly) ? anomaly : null;

    /// <summary>Makes the anomaly part of the results and tells the sinks, the first time only.</summary>
    public void Raise(Anomaly anomaly)
    {
        if (anomaly.Raised) return;
        anomaly.Raised = true;
        if (!anomaly.Listed)
        {
            CountNotListed(anomaly.Id);
            return;
        }
        _anomalies.Add(anomaly);
        foreach (var sink in _sinks)
            sink.OnRaised(anomaly);
    }

    /// <summary>The input has ended (after the tracker finished its connections).</summary>
    public void Complete(PacketTime now)
    {
        foreach (var detector in _detectors)
            detector.OnEnd(now);
    }

    public void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        // The receiver drops a segment whose checksum is wrong, so no detector counts it: a SYN no listener saw is not
        // half-open, and would never leave SYN_SENT to stop counting (a flood of them grew syn-flood's tables past the
        // connection cap).
        if (facts.BadChecksum)
            return;
        // Both lists keep the catalogue's order, so detectors hear a segment in the same order either way.
        var detectors = (segment.Flags & (TcpFlags.Syn | TcpFlags.Rst)) != 0 ? _onSynOrRstSegment : _onSegment;
        uint senderState = 1u << (int)(facts.FromOriginator ? connection.OriginatorState : connection.ResponderState);
        foreach (var detector in detectors)
            if ((detector.HearsFromStates & senderState) != 0 || facts.HasAnyOf(detector.HearsFacts))
                detector.OnSegment(connection, segment, facts);
    }

    public void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time)
    {
        uint states = 1u << (int)from | 1u << (int)to;
        for (int i = 0; i < _onTransition.Length; i++)
            if ((_transitionStates[i] & states) != 0)
                _onTransition[i].OnTransition(connection, originator, from, to, time);
    }

    public void OnNote(in ConnectionView connection, StateMachineNote note, bool originator, PacketTime time)
    {
        foreach (var detector in _onNote)
            detector.OnNote(connection, note, originator, time);
    }

    public void OnFinished(in ConnectionView connection)
    {
        foreach (var detector in _onFinished)
            detector.OnFinished(connection);
    }

    public void OnClock(PacketTime now)
    {
        // The clock advances with nearly every packet, and the detectors' timers fire about once a second.
        Now = now;
        if (now.UnixNanoseconds < _nextWakeNs)
            return;
        long next = long.MaxValue;
        foreach (var detector in _onClock)
        {
            if (now.UnixNanoseconds >= detector.WakeAtNs)
                detector.OnClock(now);
            next = Math.Min(next, detector.WakeAtNs);
        }
        _nextWakeNs = next;
    }

    /// <summary>A detector's next timer came earlier, at <paramref name="wakeAtNs"/>, outside its <see cref="AnomalyDetector.OnClock"/>.</summary>
    internal void WakeBy(long wakeAtNs)
    {
        if (wakeAtNs < _nextWakeNs)
            _nextWakeNs = wakeAtNs;
    }

    private AnomalyDetector[] With(DetectorInterests interest) =>
        _detectors.Where(d => (d.Interests & interest) != 0).ToArray();
}
