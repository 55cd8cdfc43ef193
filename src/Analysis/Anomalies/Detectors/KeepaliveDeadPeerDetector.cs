using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// keepalive-dead-peer: keep-alive probes (one byte below what the sender has sent, RFC 9293 §3.8.4) go unanswered,
/// and the connection is then reset or abandoned — the peer is gone while the connection was idle. Raised when the
/// unanswered probes reach the threshold; the ending is filled in when the connection ends.
/// </summary>
internal sealed class KeepaliveDeadPeerDetector(AnomalyEngine engine)
    : AnomalyDetector(engine, NoStates, SegmentFacts.AnyOf(keepAlive: true))
{
    private struct Probing
    {
        public int Unanswered;
        public long FirstNs;
        public Anomaly? Anomaly;
    }

    private readonly Dictionary<(long, bool), Probing> _probing = [];

    public override DetectorInterests Interests => DetectorInterests.Segments | DetectorInterests.Finished;

    public override void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        if (_probing.Count > 0)
        {
            // Anything from the peer answers the probes.
            var peerKey = (connection.Id, !facts.FromOriginator);
            if (_probing.TryGetValue(peerKey, out var peer) && peer.Anomaly is null)
            {
                _probing.Remove(peerKey);
                HearAnswersWhileProbing();
            }
        }
        if (!facts.KeepAlive)
            return;
        var key = (connection.Id, facts.FromOriginator);
        _probing.TryGetValue(key, out var probing);
        if (probing.Unanswered == 0) probing.FirstNs = segment.Timestamp.UnixNanoseconds;
        probing.Unanswered++;
        if (probing.Anomaly is null && probing.Unanswered >= Settings.KeepaliveUnansweredProbes)
        {
            var identity = connection.Identity;
            probing.Anomaly = Engine.GetOrCreate(AnomalyCatalogue.KeepaliveDeadPeer, AnomalyLevel.Connection, identity.Uid, segment.Timestamp);
            // Past the kind's listing limit the anomaly is only counted (and marks the probing reported): nobody reads
            // its details, so they are not written, now or at each probe after.
            if (probing.Anomaly.Listed)
            {
                probing.Anomaly.AddEvidence(identity.Uid);
                probing.Anomaly.Details["prober"] = facts.FromOriginator ? identity.Originator : identity.Responder;
                probing.Anomaly.Details["silent_peer"] = facts.FromOriginator ? identity.Responder : identity.Originator;
                Describe(probing.Anomaly, probing.Unanswered, ending: null);
            }
            Engine.Raise(probing.Anomaly);
        }
        else if (probing.Anomaly is { Listed: true })
        {
            probing.Anomaly.LastSeen = segment.Timestamp;
            Describe(probing.Anomaly, probing.Unanswered, ending: null);
        }
        _probing[key] = probing;
        HearAnswersWhileProbing();
    }

    /// <summary>While probes wait for an answer, any segment may be one: all pass the gate, not only the probes.</summary>
    private void HearAnswersWhileProbing() =>
        HearEverySegmentWhile(_probing.Count > 0);

    public override void OnFinished(in ConnectionView connection)
    {
        if (_probing.Count == 0)
            return;
        foreach (var side in (ReadOnlySpan<bool>)[true, false])
        {
            if (!_probing.Remove((connection.Id, side), out var probing))
                continue;
            HearAnswersWhileProbing();
            if (probing.Anomaly is not { Listed: true })
                continue;
            bool reset = connection.OriginatorState == RfcState.Closed && connection.ResponderState == RfcState.Closed &&
                         connection.History.Contains(side ? 'R' : 'r');
            Describe(probing.Anomaly, probing.Unanswered, reset ? "reset" : "abandoned");
        }
    }

    private static void Describe(Anomaly anomaly, int unanswered, string? ending)
    {
        anomaly.Count = unanswered;
        anomaly.Details["unanswered_probes"] = unanswered;
        if (ending is not null) anomaly.Details["ended"] = ending;
        anomaly.Message =
            $"{anomaly.Details["prober"]} sent {unanswered} keep-alive probes that {anomaly.Details["silent_peer"]} never answered" +
            (ending switch
            {
                "reset" => "; the connection was then reset",
                "abandoned" => "; the connection was then abandoned (nothing more was sent)",
                _ => "",
            }) +
            ". The peer disappeared while the connection was idle (crash, reboot, NAT or firewall state expired); " +
            "keep-alive is what found it.";
    }
}
