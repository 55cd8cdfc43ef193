using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// close-wait-linger: one side's FIN was acknowledged and the other side stays in CLOSE_WAIT past a threshold — its
/// application received end-of-file and never called close(). Reported per connection, naming the endpoint, and
/// rolled up per service (the lingering endpoint's address:port when it is the responder, its address when it is the
/// client): several lingering connections on one service are the signature of a descriptor leak.
/// </summary>
internal sealed class CloseWaitLingerDetector(AnomalyEngine engine) : StateLingerDetector(engine, RfcState.CloseWait)
{
    /// <summary>
    /// A service's lingering connections: counted as they are reported (an endpoint once per stay in CLOSE_WAIT), not
    /// kept, so ten cost what ten million do.
    /// </summary>
    private sealed class Service : IForgettable
    {
        public long Connections;
        public long LastConnectionId = -1;
        public Anomaly? Anomaly;
        /// <summary>Reached the roll-up after its kind's listing was full: counted once as not listed, never built.</summary>
        public bool OnlyCounted;

        public bool CanForget => Anomaly is not { Listed: true };

        public void Reset()
        {
            Connections = 0;
            LastConnectionId = -1;
            Anomaly = null;
            OnlyCounted = false;
        }
    }

    /// <summary>A lingering endpoint's service: its address and port when it is the responder, its address alone when it is the client.</summary>
    private readonly record struct ServiceKey(IpAddress Address, ushort Port, bool IsResponder)
    {
        public override string ToString() => IsResponder ? ConnectionIdentity.Format(Address, Port) : Address.ToString();
    }

    private readonly AddressTable<ServiceKey, Service> _lingeringByService = new();

    public override long EntriesForgotten => _lingeringByService.Forgotten;

    protected override double ThresholdSeconds => Settings.CloseWaitLingerSeconds;

    protected override string AnomalyId => AnomalyCatalogue.CloseWaitLinger;

    /// <summary>Past the listing limit, each lingering connection still counts toward its service's roll-up.</summary>
    protected override void Counted(Lingering entry, PacketTime now) => RollUp(entry, now);

    /// <summary>The issue is an application that got the peer's FIN — so its stack acknowledged it — and never closed.</summary>
    protected override bool NeedsConfirmation => true;

    protected override bool Confirms(in ConnectionView connection, bool originator)
    {
        var self = originator ? connection.Originator : connection.Responder;
        var peer = originator ? connection.Responder : connection.Originator;
        return self.HasAcked && peer.FinSent && SequenceNumbers.IsAfter(self.LastAck, peer.FinSequence);
    }

    protected override Anomaly Report(Lingering entry, PacketTime now)
    {
        var uid = entry.Connection.Uid;
        var anomaly = Engine.GetOrCreate(AnomalyCatalogue.CloseWaitLinger, AnomalyLevel.Connection, uid, entry.Since);
        anomaly.AddEvidence(uid);
        Update(entry, anomaly, now, ended: false);
        Engine.Raise(anomaly);
        RollUp(entry, now);
        return anomaly;
    }

    protected override void Describe(Lingering entry, Anomaly anomaly, PacketTime until, bool ended)
    {
        double seconds = until.SecondsSince(entry.Since);
        string endpoint = entry.Originator ? entry.Connection.Originator : entry.Connection.Responder;
        string peer = entry.Originator ? entry.Connection.Responder : entry.Connection.Originator;
        string role = entry.Originator ? "originator" : "responder";
        anomaly.Count = 1;
        if (until > anomaly.LastSeen) anomaly.LastSeen = until;
        anomaly.Details["endpoint"] = endpoint;
        anomaly.Details["role"] = role;
        anomaly.Details["close_wait_seconds"] = Math.Round(seconds, 3);
        anomaly.Details["still_in_close_wait"] = !ended;
        anomaly.Message =
            $"{endpoint} ({role}) received {peer}'s FIN and acknowledged it, then stayed in CLOSE_WAIT for " +
            $"{Seconds(seconds)} s{(ended ? " before closing" : "")}: its application read end-of-file but did not call " +
            "close(). Look for a code path that forgets to close the socket (ss -tanp state close-wait shows the process).";
    }

    private void RollUp(Lingering entry, PacketTime now)
    {
        var connection = entry.Connection;
        var service = entry.Originator
            ? new ServiceKey(connection.OriginatorAddress, 0, IsResponder: false)
            : new ServiceKey(connection.ResponderAddress, connection.ResponderPort, IsResponder: true);
        var lingering = _lingeringByService.GetOrAdd(service, static _ => new Service(), 0);
        if (lingering.LastConnectionId != connection.Id)
        {
            lingering.Connections++;
            lingering.LastConnectionId = connection.Id;
        }
        if (lingering.Connections < Settings.CloseWaitRollupConnections || lingering.OnlyCounted)
            return;
        if (lingering.Anomaly is null && Engine.OnlyCounts(AnomalyCatalogue.CloseWaitLinger))
        {
            // Counted as raising an unlisted anomaly would count it, without its subject, sentence and evidence
            // strings: services cross the roll-up again after a purge forgot them, for as long as traffic runs.
            Engine.CountNotListed(AnomalyCatalogue.CloseWaitLinger);
            lingering.OnlyCounted = true;
            return;
        }
        if (lingering.Anomaly is null)
        {
            lingering.Anomaly = Engine.GetOrCreate(AnomalyCatalogue.CloseWaitLinger, AnomalyLevel.Host, service.ToString(), now);
            lingering.Anomaly.DescribeWith(RollUpDescriber(lingering, Settings.CloseWaitLingerSeconds));
        }
        var anomaly = lingering.Anomaly;
        anomaly.Count = lingering.Connections;
        anomaly.AddEvidence(connection);
        anomaly.Changed();
        Engine.Raise(anomaly);
    }

    // A method of its own: a lambda in RollUp would make the compiler allocate its closure on every call.
    private static Action<Anomaly> RollUpDescriber(Service lingering, double thresholdSeconds) =>
        anomaly => DescribeRollUp(anomaly, lingering, thresholdSeconds);

    private static void DescribeRollUp(Anomaly anomaly, Service lingering, double thresholdSeconds)
    {
        anomaly.Details["lingering_connections"] = lingering.Connections;
        anomaly.Message =
            $"{anomaly.Subject} has left {lingering.Connections} connections in CLOSE_WAIT for more than {Seconds(thresholdSeconds)} s: " +
            "the same application keeps failing to close sockets its peers have closed — a descriptor leak that ends " +
            "in 'too many open files'.";
    }
}
