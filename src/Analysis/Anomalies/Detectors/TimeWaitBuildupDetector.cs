using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// time-wait-buildup: one host holds more than a threshold of connections in TIME_WAIT at once. TIME_WAIT belongs to the
/// side that closed first, so the report says whether that host closes as the server or as the client, and relates
/// the busiest (client, server:port) pair to the ephemeral port range: every 4-tuple in TIME_WAIT is one client port
/// that cannot be reused toward that server for 2MSL.
/// <para>
/// For ordinary hosts it only counts, from the transitions into and out of TIME_WAIT. Pairs are counted only for a
/// host once its anomaly is raised — seeded from the connection table at that moment — rather than for every
/// connection that passes through TIME_WAIT, which is all of them.
/// </para>
/// </summary>
internal sealed class TimeWaitBuildupDetector(AnomalyEngine engine) : AnomalyDetector(engine)
{
    /// <summary>Per-host counts, kept as a struct in the dictionary and dropped when they fall back to zero (unless their
    /// anomaly is listed), so a stream of clients that each close first costs no allocation and no lasting memory.</summary>
    private struct Host
    {
        public int Current, Peak;
        public long AsServer, AsClient;
        public Anomaly? Anomaly;
        /// <summary>4-tuples in TIME_WAIT per pair, kept once the anomaly is raised.</summary>
        public Dictionary<Pair, int>? Pairs;
        public Pair BusiestPairAtPeak;
        public int BusiestPairCountAtPeak;
    }

    private readonly record struct Pair(IpAddress Client, EndpointKey Server);

    private readonly Dictionary<IpAddress, Host> _hosts = [];

    public override DetectorInterests Interests => DetectorInterests.Transitions | DetectorInterests.Finished;

    public override uint TransitionStates => StatesOf(RfcState.TimeWait);

    public override void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time)
    {
        if (to == RfcState.TimeWait)
            Enter(connection, originator, time);
        else if (from == RfcState.TimeWait)
            Leave(connection, originator);
    }

    public override void OnFinished(in ConnectionView connection)
    {
        if (connection.OriginatorState == RfcState.TimeWait) Leave(connection, originator: true);
        if (connection.ResponderState == RfcState.TimeWait) Leave(connection, originator: false);
    }

    public override void OnEnd(PacketTime now)
    {
        foreach (var (holder, host) in _hosts)
            if (host.Anomaly is { Raised: true } anomaly)
                Describe(holder, host, anomaly);
    }

    private static Pair PairOf(in ConnectionView connection) =>
        new(connection.OriginatorAddress, new EndpointKey(connection.ResponderAddress, connection.ResponderPort));

    private void Enter(in ConnectionView connection, bool originator, PacketTime time)
    {
        var holder = originator ? connection.OriginatorAddress : connection.ResponderAddress;
        ref var host = ref CollectionsMarshal.GetValueRefOrAddDefault(_hosts, holder, out _);
        host.Current++;
        if (originator) host.AsClient++;
        else host.AsServer++;
        if (host.Current > host.Peak)
            host.Peak = host.Current;
        if (host.Pairs is { } pairs)
        {
            var pair = PairOf(connection);
            ref int count = ref CollectionsMarshal.GetValueRefOrAddDefault(pairs, pair, out _);
            count++;
            if (count > host.BusiestPairCountAtPeak)
            {
                host.BusiestPairAtPeak = pair;
                host.BusiestPairCountAtPeak = count;
            }
        }
        if (host.Current >= Settings.TimeWaitThreshold)
        {
            var anomaly = host.Anomaly ??= Engine.GetOrCreate(AnomalyCatalogue.TimeWaitBuildup, AnomalyLevel.Host, holder.ToString(), time);
            anomaly.LastSeen = time;
            anomaly.AddEvidence(connection.Identity);
            if (!anomaly.Raised)
            {
                host.Pairs = CountPairsInTable(holder);
                NoteBusiestPair(ref host);
                Describe(holder, host, anomaly);
                Engine.Raise(anomaly);
            }
        }
    }

    private void Leave(in ConnectionView connection, bool originator)
    {
        var holder = originator ? connection.OriginatorAddress : connection.ResponderAddress;
        ref var host = ref CollectionsMarshal.GetValueRefOrNullRef(_hosts, holder);
        if (Unsafe.IsNullRef(ref host))
            return;
        host.Current--;
        if (host.Pairs is { } pairs)
        {
            var pair = PairOf(connection);
            if (pairs.TryGetValue(pair, out int count))
            {
                if (count <= 1) pairs.Remove(pair);
                else pairs[pair] = count - 1;
            }
        }
        if (host.Current == 0 && host.Anomaly is not { Listed: true })
            _hosts.Remove(holder);
    }

    /// <summary>
    /// When the anomaly is raised, the pair that holds the most 4-tuples; afterwards each new 4-tuple may overtake it.
    /// Of pairs with equal counts the lowest (client, server, port) is taken: the table is visited in slot order, which
    /// depends on how memory was reused (parking frees slots), and must not decide what is reported.
    /// </summary>
    private static void NoteBusiestPair(ref Host host)
    {
        host.BusiestPairCountAtPeak = 0;
        foreach (var (pair, count) in host.Pairs!)
            if (count > host.BusiestPairCountAtPeak ||
                (count == host.BusiestPairCountAtPeak && Precedes(pair, host.BusiestPairAtPeak)))
            {
                host.BusiestPairAtPeak = pair;
                host.BusiestPairCountAtPeak = count;
            }
    }

    private static bool Precedes(Pair left, Pair right)
    {
        int order = left.Client.CompareTo(right.Client);
        if (order == 0) order = left.Server.Address.CompareTo(right.Server.Address);
        if (order == 0) order = left.Server.Port.CompareTo(right.Server.Port);
        return order < 0;
    }

    private void Describe(IpAddress holder, in Host host, Anomaly anomaly)
    {
        var pair = host.BusiestPairAtPeak;
        int pairCount = host.BusiestPairCountAtPeak;
        double share = (double)pairCount / Settings.EphemeralPortRange;
        string closer = host.AsServer >= host.AsClient ? "server" : "client";
        anomaly.Count = host.Peak;
        anomaly.Details["time_wait_peak"] = host.Peak;
        anomaly.Details["closed_as_server"] = host.AsServer;
        anomaly.Details["closed_as_client"] = host.AsClient;
        anomaly.Details["busiest_pair"] = $"{pair.Client} -> {pair.Server}";
        anomaly.Details["busiest_pair_time_wait"] = pairCount;
        anomaly.Details["ephemeral_port_range"] = Settings.EphemeralPortRange;
        anomaly.Message = (
            $"{holder} held {host.Peak} connections in TIME_WAIT at once; it closes first as the {closer} " +
            $"({host.AsServer} as server, {host.AsClient} as client). The busiest pair, {pair.Client} -> {pair.Server}, " +
            $"had up to {pairCount} 4-tuples in TIME_WAIT at once: {share:P1} of the {Settings.EphemeralPortRange} ephemeral ports. " +
            (closer == "server"
                ? "A server closing first keeps TIME_WAIT itself; let clients close first, or use keep-alive connections."
                : "Reuse connections (keep-alive, pooling); tcp_tw_reuse lets new outgoing connections take over TIME_WAIT ports."));
    }

    /// <summary>The 4-tuples in the connection table whose endpoint on <paramref name="holder"/> is in TIME_WAIT now, per pair.</summary>
    private Dictionary<Pair, int> CountPairsInTable(IpAddress holder)
    {
        var counts = new Dictionary<Pair, int>();
        Engine.Tracker?.ForEachConnection((in ConnectionView c) =>
        {
            bool holds = (c.OriginatorState == RfcState.TimeWait && c.OriginatorAddress == holder) ||
                         (c.ResponderState == RfcState.TimeWait && c.ResponderAddress == holder);
            if (holds)
            {
                var pair = PairOf(c);
                counts[pair] = counts.GetValueOrDefault(pair) + 1;
            }
        });
        return counts;
    }
}
