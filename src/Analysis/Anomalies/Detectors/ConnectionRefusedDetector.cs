using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// connection-refused: SYNs toward one destination address:port answered with RST (nothing listens there), aggregated
/// within a window with the count and the distinct sources.
/// </summary>
internal sealed class ConnectionRefusedDetector(AnomalyEngine engine) : AnomalyDetector(engine)
{
    /// <summary>Distinct sources counted per destination; beyond it the count is a lower bound.</summary>
    private const int MaxSourcesPerDestination = 10_000;

    private sealed class Destination(double windowSeconds, int cap, SetBudget budget) : IForgettable
    {
        public readonly SlidingWindow Recent = new(windowSeconds, cap);
        public readonly BoundedSet<IpAddress> Sources = new(MaxSourcesPerDestination, budget);
        public long Refused;
        public readonly EarlyEvidence Early = new();
        public Anomaly? Anomaly;

        public bool CanForget => Anomaly is not { Listed: true };

        public void Reset()
        {
            Recent.Clear();
            Sources.Release();
            Refused = 0;
            Early.Clear();
            Anomaly = null;
        }
    }

    private readonly SetBudget _sourceBudget = new();
    private readonly AddressTable<EndpointKey, Destination> _destinations = new();

    public override DetectorInterests Interests => DetectorInterests.SynOrRstSegments;

    public override long EntriesForgotten => _destinations.Forgotten;

    /// <summary>True when this segment is the responder's RST answering the originator's SYN.</summary>
    public static bool IsRefusal(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts) =>
        !facts.FromOriginator && segment.Has(TcpFlags.Rst) && !connection.Responder.HasIsn &&
        connection.Originator.HasIsn && segment.Acknowledgment == connection.Originator.Isn + 1 &&
        connection.Originator.State == RfcState.Closed;

    public override void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        if (!IsRefusal(connection, segment, facts))
            return;
        var key = new EndpointKey(connection.ResponderAddress, connection.ResponderPort);
        var destination = _destinations.GetOrAdd(key, static self => new Destination(
            self.Settings.ConnectionRefusedWindowSeconds, self.Settings.ConnectionRefusedThreshold * 4, self._sourceBudget), this);
        destination.Refused++;
        destination.Sources.Add(connection.OriginatorAddress);
        int recent = destination.Recent.Add(segment.Timestamp);
        destination.Early.Remember(connection.Identity);
        if (destination.Anomaly is null && recent < Settings.ConnectionRefusedThreshold)
            return;

        if (destination.Anomaly is null)
        {
            destination.Anomaly = Engine.GetOrCreate(AnomalyCatalogue.ConnectionRefused, AnomalyLevel.Host, key.ToString(), segment.Timestamp);
            destination.Anomaly.DescribeWith(Describer(key, destination));
        }
        var anomaly = destination.Anomaly;
        anomaly.LastSeen = segment.Timestamp;
        anomaly.Count = destination.Refused;
        anomaly.Changed();
        destination.Early.MoveTo(anomaly);
        Engine.Raise(anomaly);
    }

    // A method of its own: a lambda in OnSegment would make the compiler allocate its closure on every call.
    private static Action<Anomaly> Describer(EndpointKey key, Destination destination) => anomaly => Describe(anomaly, key, destination);

    private static void Describe(Anomaly anomaly, EndpointKey key, Destination destination)
    {
        anomaly.Details["refused"] = destination.Refused;
        anomaly.Details["distinct_sources"] = destination.Sources.Count;
        anomaly.Message =
            $"{destination.Refused} connection attempts to {key} from {destination.Sources.Count}{(destination.Sources.Capped ? "+" : "")} source(s) were refused: " +
            "the host answered each SYN with RST because nothing listens on that port (service down, wrong port, " +
            "or a firewall rejecting with reset).";
    }
}
