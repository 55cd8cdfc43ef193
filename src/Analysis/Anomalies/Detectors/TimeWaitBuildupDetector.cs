
using System.Runtime.InteropServices;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// time-wait-buildup: one host holds more than a threshold of connections in TIME_WAIT at once. TIME_WAIT belongs to the
/// side that closed first, so the report says whether that host closes as the server or as the client, and relates
/// the busiest (client, server:port) pair to the ephemeral port range: every 4-tuple in TIME_WAIT is one client port
/// that cannot be reused toward that server for 2MSL.
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
    }

    private readonly record struct Pair(IpAddress Client, EndpointKey Server);

    private readonly Dictionary<IpAddress, Host> _hosts = [];
    private readonly Dictionary<Pair, int> _pairs = [];
    private readonly Dictionary<(long, bool), (IpAddress Holder, Pair Pair)> _inTimeWait = [];

    public override DetectorInterests Interests => DetectorInterests.Transitions | DetectorInterests.Finished;

    public override void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time)
    {
        var key = (connection.Id, originator);
        if (to == RfcState.TimeWait && !_inTimeWait.ContainsKey(key))
        {
            var holder = originator ? connection.OriginatorAddress : connection.ResponderAddress;
            var pair = new Pair(connection.OriginatorAddress, new EndpointKey(connection.ResponderAddress, connection.ResponderPort));
            _inTimeWait.Add(key, (holder, pair));
            ref var host = ref CollectionsMarshal.GetValueRefOrAddDefault(_hosts, holder, out _);
            host.Current++;
            if (originator) host.AsClient++;
            else host.AsServer++;
            if (host.Current > host.Peak) host.Peak = host.Current;
            _pairs[pair] = _pairs.GetValueOrDefault(pair) + 1;
            if (host.Current >= Settings.TimeWaitThreshold)
                Report(holder, ref host, pair, connection.Identity, time);
        }
        else if (from == RfcState.TimeWait)
            Leave(key);
    }

    public override void OnFinished(in ConnectionView connection)
    {
        Leave((connection.Id, true));
        Leave((connection.Id, false));
    }

    private void Leave((long, bool) key)
    {
        if (!_inTimeWait.Remove(key, out var entry))
            return;
        ref var host = ref CollectionsMarshal.GetValueRefOrNullRef(_hosts, entry.Holder);
        host.Current--;
        if (host.Current == 0 && host.Anomaly is not { Listed: true })
            _hosts.Remove(entry.Holder);
        int left = _pairs[entry.Pair] - 1;
        if (left == 0) _pairs.Remove(entry.Pair);
        else _pairs[entry.Pair] = left;
    }

    private void Report(IpAddress holder, ref Host host, Pair pair, ConnectionIdentity identity, PacketTime time)
    {
        var anomaly = host.Anomaly ??= Engine.GetOrCreate(AnomalyCatalogue.TimeWaitBuildup, AnomalyLevel.Host, holder.ToString(), time);
        anomaly.LastSeen = time;
        anomaly.AddEvidence(identity.Uid);
        if (anomaly.Raised && host.Current < host.Peak)
            return;
        int pairCount = _pairs[pair];
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
            $"has {pairCount} 4-tuples in TIME_WAIT: {share:P1} of the {Settings.EphemeralPortRange} ephemeral ports. " +
            (closer == "server"
                ? "A server closing first keeps TIME_WAIT itself; let clients close first, or use keep-alive connections."
                : "Reuse connections (keep-alive, pooling); tcp_tw_reuse lets new outgoing connections take over TIME_WAIT ports."));
        Engine.Raise(anomaly);
    }
}
