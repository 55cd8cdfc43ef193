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

    /// <summary>
    /// A source seen probing once. Nearly every source of a spoofed flood probes once and never again, so a source stays
    /// this one table entry until its second probe makes it a <see cref="Source"/> with its tables and lists.
    /// </summary>
    private readonly record struct FirstProbe(EndpointKey Target, PacketTime Time, bool Refused, ConnectionIdentity Connection);

    private readonly SetBudget _targetBudget = new();
    private readonly AddressTable<IpAddress, Source> _sources = new();
    private readonly Dictionary<IpAddress, FirstProbe> _firstProbes = [];
    private long _firstProbesForgotten;

    public override DetectorInterests Interests => DetectorInterests.SynOrRstSegments | DetectorInterests.Finished;

    public override long EntriesForgotten => _sources.Forgotten + _firstProbesForgotten;

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
        var target = new EndpointKey(connection.ResponderAddress, connection.ResponderPort);
        if (!_sources.TryGetValue(connection.OriginatorAddress, out var source))
        {
            bool probedBefore = _firstProbes.Remove(connection.OriginatorAddress, out var first);
            // One target alone cannot reach a threshold of two.
            if (!probedBefore && Settings.PortScanDistinctTargets > 1)
            {
                RememberFirstProbe(connection, target, time, refused);
                return;
            }
            source = _sources.GetOrAdd(connection.OriginatorAddress, static budget => new Source(budget), _targetBudget);
            if (probedBefore)
            {
                // As Probe would have counted it, had the source been a Source then.
                if (first.Refused) source.Refused++;
                else source.Unanswered++;
                source.Early.Remember(first.Connection);
                source.Targets[first.Target] = first.Time.UnixNanoseconds;
            }
        }
        if (refused) source.Refused++;
        else source.Unanswered++;

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

    /// <summary>Bounded as the sources are: once full, every first probe is forgotten (none is reported).</summary>
    private void RememberFirstProbe(in ConnectionView connection, EndpointKey target, PacketTime time, bool refused)
    {
        if (_firstProbes.Count >= DetectorLimits.MaxTrackedKeys)
        {
            _firstProbesForgotten += _firstProbes.Count;
            _firstProbes.Clear();
        }
        _firstProbes[connection.OriginatorAddress] = new FirstProbe(target, time, refused, connection.Identity);
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
