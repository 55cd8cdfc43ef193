using TcpState.Analysis.Anomalies;

namespace TcpState.Analysis.Explain;

/// <summary>
/// Collects the anomalies detectors raise during an explain run and, once the run is over, shows each on the
/// connections it names: in the listing's anomalies column, and on the ladder at the packet where it fired (a
/// connection-level anomaly at its first-seen time; a host-level one, such as a SYN flood this connection was
/// evidence for, the same way, with its subject named).
/// </summary>
public sealed class AnomalyAnnotations : IAnomalySink
{
    private readonly List<Anomaly> _raised = [];

    public IReadOnlyList<Anomaly> Raised => _raised;

    public void OnRaised(Anomaly anomaly) => _raised.Add(anomaly);

    /// <summary>Attaches every anomaly to the connections it names (as subject or evidence).</summary>
    public void ApplyTo(IEnumerable<ListedConnection> connections)
    {
        foreach (var connection in connections)
        {
            string uid = connection.Record.Uid;
            foreach (var anomaly in _raised)
            {
                bool subject = anomaly.Level == AnomalyLevel.Connection && anomaly.Subject == uid;
                if (!subject && !anomaly.Evidence.Contains(uid))
                    continue;
                if (!connection.Anomalies.Contains(anomaly.Id))
                    connection.Anomalies.Add(anomaly.Id);
                connection.Ladder?.Annotate(new LadderAnnotation
                {
                    Kind = LadderEventKind.Anomaly,
                    Time = anomaly.FirstSeen,
                    Text = subject ? $"{anomaly.Id}: {anomaly.Message}" : $"{anomaly.Id} on {anomaly.Subject}: {anomaly.Message}",
                });
            }
        }
    }
}
