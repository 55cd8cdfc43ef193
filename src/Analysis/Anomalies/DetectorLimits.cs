namespace TcpState.Analysis.Anomalies;

/// <summary>
/// Bounds on what the anomaly detectors keep. Their tables are keyed by what the traffic chooses — source and
/// destination addresses, listeners, services — so a flood of distinct sources would grow them without end. Tables
/// keyed by connection are already bounded by the connection table (entries leave when the connection finishes);
/// these bound the rest, each well above what a report can use. What is dropped is counted
/// (<see cref="AnomalyEngine.NotListed"/>, <see cref="AnomalyEngine.DetectorEntriesForgotten"/>).
/// </summary>
public static class DetectorLimits
{
    /// <summary>
    /// Anomalies listed per kind (1,000). A flood can make one connection-level anomaly per connection, a scan one
    /// host-level anomaly per source; past a thousand of one kind a report says nothing more, so later ones are counted,
    /// not kept — as Zeek samples a weird that repeats.
    /// </summary>
    public const int MaxListedPerKind = 1_000;

    /// <summary>
    /// Addresses, listeners or services one detector tracks before it forgets those with nothing listed (10,000): a
    /// scan or a flood of spoofed sources touches one per packet. An entry costs at most a few kilobytes.
    /// </summary>
    public const int MaxTrackedKeys = 10_000;

    /// <summary>
    /// Distinct values (sources, hosts, ports) one detector's counting sets hold in all (262,144, about 10 MB). Each set
    /// has its own cap too; this bounds their sum, which the number of listeners or sources would otherwise multiply.
    /// Past it a distinct count is a lower bound.
    /// </summary>
    public const int MaxDistinctValues = 262_144;
}
