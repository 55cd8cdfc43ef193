using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// port-scan: one source is refused (SYN answered by RST) or unanswered (SYN never answered) on many distinct
/// ports or hosts within a window. An unanswered attempt is only known when its connection ends, so it counts at the
/// time it started.
/// </summary>
internal sealed class PortScanDetector(AnomalyEngine engine) : AnomalyDetector(engine)
{
    /// <summary>Distinct hosts and ports counted per scanning source; beyond them the counts are lower bounds.</summary>
    private const int MaxHostsPerSource = 10_000, MaxPortsPerSource = 65_536;

    private sealed class Source(SetBudget budget) : IForgettable
    {
        /// <summary>
        /// Until the threshold: each target's latest attempt, pruned to the window past four times the threshold, so it
        /// holds at most that many (more within the window would have crossed it). Past the threshold it is not used.
        /// </summary>
        public readonly Dictionary<EndpointKey, long> Targets = [];
        public readonly BoundedSet<IpAddress> Hosts = new(MaxHostsPerSource, budget);
        public readonly BoundedSet<ushort> Ports = new(MaxPortsPerSource, budget);
        public long Refused, Unanswered;
        public readonly EarlyEvidence Early = new();
        public Anomaly? Anomaly;

        public bool CanForget => Anomaly is not { Listed: true };

        public void Reset()
        {
            Targets.Clear();
            Hosts.Release();
            Ports.Release();
            Refused = Unanswered = 0;
            Early.Clear();
            Anomaly = null;
        }
    }

    private readonly SetBudget _targetBudget = new();
    private readonly AddressTable<IpAddress, Source> _sources = new();

    public override DetectorInterests Interests => DetectorInterests.SynOrRstSegments | DetectorInterests.Finished;

    public override long EntriesForgotten => _sources.Forgotten;

    public override void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        if (ConnectionRefusedDetector.IsRefusal(connection, segment, facts))
            Probe(connection, segment.Timestamp, refused: true);
    }

    public override void OnFinished(in ConnectionView connection)
    {
        if (connection.OriginatorState == RfcState.SynSent && connection.ResponderPackets == 0)
            Probe(connection, connection.Start, refused: false);
    }

    private void Probe(in ConnectionView connection, PacketTime time, bool refused)
    {
        var source = _sources.GetOrAdd(connection.OriginatorAddress, static budget => new Source(budget), _targetBudget);
        if (refused) source.Refused++;
        else source.Unanswered++;

        var target = new EndpointKey(connection.ResponderAddress, connection.ResponderPort);
        source.Early.Remember(connection.Identity);
        if (source.Anomaly is null)
        {
            source.Targets[target] = time.UnixNanoseconds;
            long oldest = time.UnixNanoseconds - Nanoseconds(Settings.PortScanWindowSeconds);
            if (source.Targets.Count > 4 * Settings.PortScanDistinctTargets)
                Prune(source, oldest);
            int inWindow = 0;
            foreach (var seen in source.Targets.Values)
                if (seen >= oldest) inWindow++;
            if (inWindow < Settings.PortScanDistinctTargets)
                return;
        }

        source.Hosts.Add(target.Address);
        source.Ports.Add(target.Port);
        if (source.Anomaly is null)
        {
            source.Anomaly = Engine.GetOrCreate(AnomalyCatalogue.PortScan, AnomalyLevel.Host, connection.OriginatorAddress.ToString(), time);
            source.Anomaly.DescribeWith(Describer(source));
        }
        var anomaly = source.Anomaly;
        if (!anomaly.Raised)
        {
            // The targets that crossed the threshold count too.
            foreach (var earlier in source.Targets.Keys)
            {
                source.Hosts.Add(earlier.Address);
                source.Ports.Add(earlier.Port);
            }
            source.Targets.Clear(); // from here on, the hosts and ports sets count
        }
        if (time > anomaly.LastSeen) anomaly.LastSeen = time;
        anomaly.Count = source.Refused + source.Unanswered;
        source.Early.MoveTo(anomaly);
        anomaly.Changed();
        Engine.Raise(anomaly);
    }

    // A method of its own: a lambda in Probe would make the compiler allocate its closure on every call.
    private static Action<Anomaly> Describer(Source source) => anomaly => Describe(anomaly, source);

    private static void Describe(Anomaly anomaly, Source source)
    {
        anomaly.Details["refused"] = source.Refused;
        anomaly.Details["unanswered"] = source.Unanswered;
        anomaly.Details["distinct_ports"] = source.Ports.Count;
        anomaly.Details["distinct_hosts"] = source.Hosts.Count;
        anomaly.Message =
            $"{anomaly.Subject} probed {source.Ports.Count}{(source.Ports.Capped ? "+" : "")} port(s) on {source.Hosts.Count}{(source.Hosts.Capped ? "+" : "")} host(s): {source.Refused} refused, " +
            $"{source.Unanswered} unanswered. Many short attempts to different ports from one source is how a port scan " +
            "looks (or a client configured with the wrong address).";
    }

    private static void Prune(Source source, long oldest)
    {
        foreach (var (target, seen) in source.Targets)
            if (seen < oldest) source.Targets.Remove(target);
    }
}
