using TcpState.Analysis.Connections;
using TcpState.Capture;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// port-reuse-time-wait: a new SYN arrives on a 4-tuple whose previous connection is still in TIME_WAIT. Linux
/// accepts it when the ISN (or timestamp) moved forward, but the client is cycling through its ports fast enough to
/// come back within 2MSL — a step before ephemeral port exhaustion.
/// </summary>
internal sealed class PortReuseTimeWaitDetector(AnomalyEngine engine) : AnomalyDetector(engine)
{
    /// <summary>
    /// Set when a connection ends because its 4-tuple was reused while in TIME_WAIT; the very next segment opens the new
    /// one. Without the strings once the kind's listing is full: the reuse is then only counted.
    /// </summary>
    private (string? PreviousUid, string? Holder, PacketTime Since)? _reused;

    public override DetectorInterests Interests => DetectorInterests.Finished | DetectorInterests.SynOrRstSegments;

    public override void OnFinished(in ConnectionView connection)
    {
        if (connection.FinishReason != FinishReason.PortReused)
            return;
        bool originatorWaits = connection.OriginatorState == RfcState.TimeWait;
        if (!originatorWaits && connection.ResponderState != RfcState.TimeWait)
            return;
        if (Engine.OnlyCounts(AnomalyCatalogue.PortReuseTimeWait))
        {
            _reused = (null, null, connection.LastSeen);
            return;
        }
        var identity = connection.Identity;
        _reused = (identity.Uid, originatorWaits ? identity.Originator : identity.Responder, connection.LastSeen);
    }

    public override void OnSegment(in ConnectionView connection, in Capture.Decoding.TcpSegment segment, in SegmentFacts facts)
    {
        if (_reused is not { } reused)
            return;
        _reused = null;
        if (!facts.OpenedConnection)
            return;
        if (reused.PreviousUid is null || reused.Holder is null)
        {
            Engine.CountNotListed(AnomalyCatalogue.PortReuseTimeWait);
            return;
        }
        var uid = connection.Uid;
        var anomaly = Engine.GetOrCreate(AnomalyCatalogue.PortReuseTimeWait, AnomalyLevel.Connection, uid, segment.Timestamp);
        anomaly.Count = 1;
        anomaly.AddEvidence(uid);
        anomaly.AddEvidence(reused.PreviousUid);
        anomaly.Details["previous_uid"] = reused.PreviousUid;
        anomaly.Details["time_wait_holder"] = reused.Holder;
        anomaly.Message =
            $"A new SYN reused the 4-tuple of connection {reused.PreviousUid} while {reused.Holder} still held it in TIME_WAIT " +
            $"({segment.Timestamp.SecondsSince(reused.Since):0.###} s after its last packet, within 2MSL): the client is reusing ports quickly.";
        Engine.Raise(anomaly);
    }
}
