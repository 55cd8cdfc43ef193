using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// peer-unreachable: one side retransmits the same data again and again, each wait longer than the last (the RTO
/// backing off exponentially), and the other side sends nothing at all — it lost power, its cable was cut, a firewall
/// silently drops it. Reported with the number of retransmissions and how it ended (silence, or a RST when the
/// sender gave up).
/// </summary>
internal sealed class PeerUnreachableDetector(AnomalyEngine engine)
    : AnomalyDetector(engine, NoStates, SegmentFacts.AnyOf(retransmission: true))
{
    /// <summary>A retransmission interval counts as growing when it is at least this much longer than the previous one.</summary>
    private const double BackoffFactor = 1.3;

    /// <summary>No stack retransmits faster than this (Linux's minimum RTO is 200 ms); quicker repeats are duplicates.</summary>
    private const long MinimumIntervalNs = 50_000_000;

    private struct Chain
    {
        public uint Sequence;
        public int Retransmissions;
        public long FirstNs, LastNs, LastIntervalNs;
        public bool Growing, EndedWithRst;
        public Anomaly? Anomaly;
        public ConnectionIdentity Connection;
    }

    private readonly Dictionary<(long, bool), Chain> _chains = [];

    /// <summary>
    /// How many chains each bucket of connection ids holds (id modulo the size). While any chain was open, every
    /// segment's connection was looked up in the dictionary: 2.5 % of all samples on the 5M-packet bench trace. A zero
    /// here answers "none for this connection" from a 16 KB array instead.
    /// </summary>
    private readonly int[] _chainsPerIdBucket = new int[IdBuckets];
    private const int IdBuckets = 4096;

    private ref int ChainsNear(long connectionId) => ref _chainsPerIdBucket[(int)(connectionId & (IdBuckets - 1))];

    public override DetectorInterests Interests => DetectorInterests.Segments | DetectorInterests.Finished;

    /// <summary>
    /// Nearly every segment is neither a retransmission nor near a chain, and returns here. The work is in methods of
    /// their own because their locals hold references, which the JIT zeroes on entry to the method that declares them:
    /// 576 bytes per segment when it was all one method, and 3.1% of the tracking thread's samples on the 5M-packet bench
    /// trace (1.0% split).
    /// </summary>
    public override void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        if (ChainsNear(connection.Id) > 0)
            SeenNearChains(connection, segment, facts);
        if (facts.Retransmission)
            Retransmitted(connection, segment, facts);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SeenNearChains(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        // The other side is alive: whatever it was retransmitting into the void got through after all.
        var peerKey = (connection.Id, !facts.FromOriginator);
        if (_chains.TryGetValue(peerKey, out var peerChain) && peerChain.Anomaly is null)
            Forget(peerKey);
        var ownKey = (connection.Id, facts.FromOriginator);
        if (segment.Has(TcpFlags.Rst) && _chains.TryGetValue(ownKey, out var own) && own.Anomaly is not null)
        {
            own.EndedWithRst = true;
            _chains[ownKey] = own;
            if (own.Anomaly.Listed)
                Describe(own);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Retransmitted(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        var key = (connection.Id, facts.FromOriginator);
        long now = segment.Timestamp.UnixNanoseconds;
        if (!_chains.TryGetValue(key, out var chain) || chain.Sequence != segment.Sequence)
        {
            if (chain.Anomaly is not null)
                return; // already reported for this connection and direction
            chain = new Chain { Sequence = segment.Sequence, FirstNs = now, LastNs = now, Growing = true, Connection = connection.Identity };
        }
        else
        {
            long interval = now - chain.LastNs;
            if (interval < MinimumIntervalNs || (chain.LastIntervalNs > 0 && interval < chain.LastIntervalNs * BackoffFactor))
                chain.Growing = false;
            chain.LastIntervalNs = interval;
            chain.LastNs = now;
        }
        chain.Retransmissions++;
        if (chain.Anomaly is null && chain.Growing && chain.Retransmissions >= Settings.PeerUnreachableRetransmissions)
        {
            chain.Anomaly = Engine.GetOrCreate(AnomalyCatalogue.PeerUnreachable, AnomalyLevel.Connection, chain.Connection.Uid, segment.Timestamp);
            // Past the kind's listing limit the anomaly is only counted (and marks the chain reported): nobody reads
            // its details, so they are not written, now or at each retransmission after.
            if (chain.Anomaly.Listed)
            {
                chain.Anomaly.AddEvidence(chain.Connection.Uid);
                chain.Anomaly.Details["sender"] = facts.FromOriginator ? chain.Connection.Originator : chain.Connection.Responder;
                Describe(chain);
            }
            Engine.Raise(chain.Anomaly);
        }
        else if (chain.Anomaly is { Listed: true })
            Describe(chain);
        ref var kept = ref CollectionsMarshal.GetValueRefOrAddDefault(_chains, key, out bool existed);
        kept = chain;
        if (!existed)
        {
            ChainsNear(connection.Id)++;
            HearPeersWhileRetransmitting();
        }
    }

    /// <summary>While a chain is open, a segment from either side may end it: all pass the gate, not only retransmissions.</summary>
    private void HearPeersWhileRetransmitting() =>
        HearEverySegmentWhile(_chains.Count > 0);

    public override void OnFinished(in ConnectionView connection)
    {
        if (ChainsNear(connection.Id) == 0)
            return;
        Forget((connection.Id, true));
        Forget((connection.Id, false));
    }

    private void Forget((long Id, bool) key)
    {
        if (_chains.Remove(key))
        {
            ChainsNear(key.Id)--;
            HearPeersWhileRetransmitting();
        }
    }

    private static void Describe(in Chain chain)
    {
        var anomaly = chain.Anomaly!;
        string sender = (string)anomaly.Details["sender"];
        string peer = sender == chain.Connection.Originator ? chain.Connection.Responder : chain.Connection.Originator;
        double span = (chain.LastNs - chain.FirstNs) / 1e9;
        anomaly.Count = chain.Retransmissions;
        anomaly.LastSeen = new PacketTime(chain.LastNs);
        anomaly.Details["retransmissions"] = chain.Retransmissions;
        anomaly.Details["seconds"] = Math.Round(span, 3);
        anomaly.Details["ended_with"] = chain.EndedWithRst ? "rst" : "silence";
        anomaly.Message = (
            $"{sender} retransmitted the same data {chain.Retransmissions} times over {span:0.#} s, waiting longer each time, " +
            $"and {peer} never answered: the peer is unreachable (powered off, cable cut, or a firewall dropping silently). " +
            (chain.EndedWithRst ? $"{sender} finally gave up with RST." : "The connection then went silent."));
    }
}
