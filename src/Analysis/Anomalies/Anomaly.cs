using TcpState.Analysis.Records;
using TcpState.Capture;

namespace TcpState.Analysis.Anomalies;

public enum AnomalyLevel : byte
{
    /// <summary>About one connection (the subject is its uid).</summary>
    Connection,
    /// <summary>About a host or a listener, aggregated over connections (the subject is an address or address:port).</summary>
    Host,
}

public enum AnomalySeverity : byte
{
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>
/// One anomaly as reported: which kind (<see cref="Id"/>, a stable kebab-case name from the catalogue in
/// docs/anomalies.md), about what (<see cref="Subject"/>), since when, how often, the connections that show it, and a
/// sentence for people. Detectors raise it once and keep updating the same object as more evidence arrives.
/// </summary>
public sealed class Anomaly
{
    /// <summary>At most this many connection uids are kept as evidence.</summary>
    public const int MaxEvidence = 20;

    // Both made on first use: an anomaly past its kind's listing limit is only counted, and should cost little.
    private List<string>? _evidence;

    /// <summary>The keys of <see cref="_evidence"/>'s uids, read back once it is full (it never changes after).</summary>
    private ulong[]? _evidenceKeys;

    public required string Id { get; init; }
    public required AnomalyLevel Level { get; init; }
    public required AnomalySeverity Severity { get; set; }
    /// <summary>A connection uid, a host address, or a listener "address:port".</summary>
    public required string Subject { get; init; }
    public required PacketTime FirstSeen { get; init; }
    public PacketTime LastSeen { get; set; }
    /// <summary>How many times it was observed (connections, probes, RSTs — the detector says which).</summary>
    public long Count { get; set; }

    private string _message = "";
    private Dictionary<string, object>? _details;
    private Action<Anomaly>? _describe;
    private bool _changed;

    /// <summary>What happened, in a sentence or two: rewritten from the detector's figures when they have changed.</summary>
    public required string Message
    {
        get { Refresh(); return _message; }
        set => _message = value;
    }

    /// <summary>Detector-specific figures (peak half-open, distinct sources, stall seconds ...), for JSON output and reports.</summary>
    public Dictionary<string, object> Details
    {
        get { Refresh(); return _details ??= []; }
    }

    /// <summary>
    /// Gives the anomaly a way to write its message and details from the detector's figures. A host-level anomaly's
    /// figures move with every connection that adds to it (a flood adds one per SYN); writing the sentence each time
    /// would cost a string per packet, so the detector calls <see cref="Changed"/> instead and the sentence is written
    /// when someone reads it. Reads happen on the thread that runs the detectors.
    /// </summary>
    public void DescribeWith(Action<Anomaly> describe)
    {
        _describe = describe;
        _changed = true;
    }

    /// <summary>The detector's figures behind this anomaly have moved: message and details are rewritten when next read.</summary>
    public void Changed() => _changed = true;

    private void Refresh()
    {
        if (!_changed || _describe is null)
            return;
        _changed = false;
        _describe(this);
    }

    public IReadOnlyList<string> Evidence => (IReadOnlyList<string>?)_evidence ?? [];

    /// <summary>Reported (counted in the results and told to sinks); detectors may prepare one before its threshold.</summary>
    public bool Raised { get; internal set; }

    /// <summary>
    /// False for one made after its kind reached <see cref="DetectorLimits.MaxListedPerKind"/>: its detector uses it
    /// like any other, but raising it only counts it (<see cref="AnomalyEngine.NotListed"/>); it is not kept.
    /// </summary>
    public bool Listed { get; internal init; } = true;

    /// <summary>Connections seen beyond <see cref="MaxEvidence"/>; they count but are not listed.</summary>
    public long EvidenceOmitted { get; private set; }

    /// <summary>
    /// Adds the connection's uid. Once the evidence is full, the uid is only compared in place: a host-level anomaly
    /// hears of every connection that adds to it, and a string for each would be thrown away. It is compared by its
    /// key (<see cref="ConnectionUid.Key"/>), against the kept uids' keys read back once: a flood of refused SYNs had
    /// written each uid and compared it with all twenty kept, 4.5% of that flood's samples.
    /// </summary>
    public void AddEvidence(in ConnectionIdentity connection)
    {
        if (_evidence is not { Count: >= MaxEvidence })
        {
            AddEvidence(connection.Uid);
            return;
        }
        var keys = _evidenceKeys ??= KeysOf(_evidence);
        if (keys.Length == _evidence.Count)
        {
            ulong key = connection.UidKey;
            foreach (ulong kept in keys)
                if (kept == key)
                    return;
            EvidenceOmitted++;
            return;
        }
        Span<char> uid = stackalloc char[ConnectionUid.Length];
        connection.WriteUid(uid);
        foreach (var kept in _evidence)
            if (uid.SequenceEqual(kept))
                return;
        EvidenceOmitted++;
    }

    /// <summary>The full evidence list's uid keys; empty when an entry is not a uid (evidence then compares strings).</summary>
    private static ulong[] KeysOf(List<string> evidence)
    {
        var keys = new ulong[evidence.Count];
        for (int i = 0; i < keys.Length; i++)
            if (!ConnectionUid.TryKey(evidence[i], out keys[i]))
                return [];
        return keys;
    }

    public void AddEvidence(string uid)
    {
        _evidence ??= [];
        if (_evidence.Contains(uid)) return;
        if (_evidence.Count < MaxEvidence) _evidence.Add(uid);
        else EvidenceOmitted++;
    }
}

/// <summary>Receives anomalies as they fire (for live alert feeds), and once more when the run ends.</summary>
public interface IAnomalySink
{
    /// <summary>An anomaly was raised for the first time.</summary>
    void OnRaised(Anomaly anomaly);
}
