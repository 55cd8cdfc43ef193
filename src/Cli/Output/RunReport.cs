using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Capture.Decoding;

namespace TcpState.Cli.Output;

/// <summary>Everything a run's summary shows: what was read, how every frame was accounted for, what was found.</summary>
internal sealed class RunReport
{
    public required IReadOnlyList<string> Inputs { get; init; }
    public required FrameAccounting Frames { get; init; }
    public required ConnectionStatistics Connections { get; init; }
    public required ConnectionTracker Tracker { get; init; }
    public required IReadOnlyList<string> Problems { get; init; }
    public bool ChecksumsVerified { get; init; }
    /// <summary>Anomalies found, most severe first.</summary>
    public IReadOnlyList<Anomaly> Anomalies { get; init; } = [];
    /// <summary>Anomalies raised past the per-kind limit, by id: counted, not listed.</summary>
    public IReadOnlyDictionary<string, long> AnomaliesNotListed { get; init; } = new Dictionary<string, long>();
    /// <summary>Entries the detectors forgot from full tables (a flood of distinct addresses).</summary>
    public long DetectorEntriesForgotten { get; init; }
    /// <summary>Set when a BPF filter chose the frames (<c>read --filter</c>).</summary>
    public FilterReport? Filter { get; init; }
    /// <summary>Set for a live capture.</summary>
    public LiveCaptureReport? Capture { get; init; }
}
