using TcpState.Capture;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// fin-wait-2-timeout: an endpoint's FIN was acknowledged, and it waits in FIN_WAIT_2 for the peer's FIN longer than
/// tcp_fin_timeout (Linux kills an orphaned FIN_WAIT_2 socket then; one still owned by the application after
/// shutdown() waits for ever).
/// </summary>
internal sealed class FinWait2TimeoutDetector(AnomalyEngine engine) : StateLingerDetector(engine, RfcState.FinWait2)
{
    protected override double ThresholdSeconds => Settings.FinWait2TimeoutSeconds;

    protected override string AnomalyId => AnomalyCatalogue.FinWait2Timeout;

    protected override Anomaly Report(Lingering entry, PacketTime now)
    {
        var uid = entry.Connection.Uid;
        var anomaly = Engine.GetOrCreate(AnomalyCatalogue.FinWait2Timeout, AnomalyLevel.Connection, uid, entry.Since);
        anomaly.AddEvidence(uid);
        Update(entry, anomaly, now, ended: false);
        Engine.Raise(anomaly);
        return anomaly;
    }

    protected override void Describe(Lingering entry, Anomaly anomaly, PacketTime until, bool ended)
    {
        double seconds = until.SecondsSince(entry.Since);
        string endpoint = entry.Originator ? entry.Connection.Originator : entry.Connection.Responder;
        string peer = entry.Originator ? entry.Connection.Responder : entry.Connection.Originator;
        anomaly.Count = 1;
        if (until > anomaly.LastSeen) anomaly.LastSeen = until;
        anomaly.Details["endpoint"] = endpoint;
        anomaly.Details["fin_wait_2_seconds"] = Math.Round(seconds, 3);
        anomaly.Message =
            $"{endpoint} closed its side and {peer} acknowledged the FIN, but {peer} never sent its own FIN: {endpoint} " +
            $"waited in FIN_WAIT_2 for {Seconds(seconds)} s (tcp_fin_timeout is {Seconds(Settings.FinWait2TimeoutSeconds)} s). " +
            $"{peer} is in CLOSE_WAIT — its application has not closed — or it vanished.";
    }
}
