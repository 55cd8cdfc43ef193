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

    private readonly List<string> _evidence = [];

    public required string Id { get; init; }
    public required AnomalyLevel Level { get; init; }
    public required AnomalySeverity Severity { get; set; }
    /// <summary>A connection uid, a host address, or a listener "address:port".</summary>
    public required string Subject { get; init; }
    public required PacketTime FirstSeen { get; init; }
    public PacketTime LastSeen { get; set; }
    /// <summary>How many times it was observed (connections, probes, RSTs — the detector says which).</summary>
    public long Count { get; set; }
    public required string Message { get; set; }
    /// <summary>Detector-specific figures (peak half-open, distinct sources, stall seconds ...), for JSON output and reports.</summary>
    public Dictionary<string, object> Details { get; } = [];

    public IReadOnlyList<string> Evidence => _evidence;

    /// <summary>Reported (counted in the results and told to sinks); detectors may prepare one before its threshold.</summary>
    public bool Raised { get; internal set; }

    /// <summary>
    /// False for one made after its kind reached <see cref="DetectorLimits.MaxListedPerKind"/>: its detector uses it
    /// like any other, but raising it only counts it (<see cref="AnomalyEngine.NotListed"/>); it is not kept.
    /// </summary>
    public bool Listed { get; internal init; } = true;

    /// <summary>Connections seen beyond <see cref="MaxEvidence"/>; they count but are not listed.</summary>
    public long EvidenceOmitted { get; private set; }

    public void AddEvidence(string uid)
    {
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
