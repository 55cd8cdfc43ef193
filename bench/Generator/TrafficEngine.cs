using TcpState.Capture.Decoding;

namespace TcpState.Bench.Generator;

/// <summary>How new flows are started: the realistic population, or a fixed number opened at a steady rate.</summary>
public enum SpawnPolicy
{
    /// <summary>
    /// A population of <see cref="TrafficEngine.Concurrency"/> flows: ramped up over the first seconds, then every flow
    /// that ends is replaced by a new one a moment later, so about that many are open at once for the whole trace.
    /// </summary>
    Population,
    /// <summary><see cref="TrafficEngine.TotalFlows"/> flows of <see cref="FlowKind.HoldOpen"/>, opened at <see cref="TrafficEngine.FlowsPerSecond"/>.</summary>
    FixedCount,
}

/// <summary>
/// The event-driven core: a priority queue of (next packet time, flow), one packet per event, so the file's timestamps
/// only move forward and thousands of flows interleave as they would on a link. Flows live in a slot array (structs), so
/// memory stays proportional to the flows open at once, never to the trace's length.
/// </summary>
public sealed class TrafficEngine
{
    private const int Spawner = -1;
    private const int Flood = -2;
    private const long Second = 1_000_000_000;

    private readonly TraceWriter _writer;
    private readonly SeededRandom _random;
    private readonly TrafficMix _mix;
    private readonly FlowScript _script;
    private readonly PriorityQueue<int, (long Time, long Order)> _queue = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly long[] _started = new long[Enum.GetValues<FlowKind>().Length];
    private readonly long[] _closeStyles = new long[Enum.GetValues<CloseStyle>().Length];
    private Flow[] _flows = new Flow[1024];
    private int _usedSlots;
    private long _order;
    private long _spawned;
    private long _spawnerOpened;
    private double _udpCredit;
    private ushort _udpIpId;
    private (IpAddress Client, ushort Port) _dnsQuery;
    private bool _dnsAnswerDue;
    private readonly DnsMessages _dns = new();
    private FloodBurst? _flood;
    private long _openSum, _openSamples;

    public TrafficEngine(TraceWriter writer, SeededRandom random, TrafficMix mix)
    {
        _writer = writer;
        _random = random;
        _mix = mix;
        _script = new FlowScript(writer, mix, random.Fork());
    }

    public SpawnPolicy Policy { get; init; } = SpawnPolicy.Population;
    public int Concurrency { get; init; } = 50_000;
    public double RampSeconds { get; init; } = 30;
    public long TotalFlows { get; init; }
    public double FlowsPerSecond { get; init; } = 20_000;
    /// <summary>Share of packets that are UDP (DNS) datagrams between the TCP ones.</summary>
    public double UdpShare { get; init; }
    /// <summary>A spoofed SYN flood starts once this share of the packet budget is written (or never, when null).</summary>
    public double? FloodAt { get; init; }
    public long FloodSyns { get; init; }
    public double FloodSynsPerSecond { get; init; } = 20_000;

    public long FlowsStarted(FlowKind kind) => _started[(int)kind];
    public long ClosesOfStyle(CloseStyle style) => _closeStyles[(int)style];
    public long Ipv6Flows { get; private set; }
    public long VlanFlows { get; private set; }
    public long LongLivedFlows { get; private set; }
    public int OpenFlows { get; private set; }
    public int PeakOpenFlows { get; private set; }
    /// <summary>Open flows averaged over the packets written after the ramp (a packet-weighted mean).</summary>
    public double MeanOpenFlows => _openSamples == 0 ? 0 : (double)_openSum / _openSamples;
    public long FloodSynsSent => _flood?.SynsSent ?? 0;
    public long FloodSynAcksSent => _flood?.SynAcksSent ?? 0;

    /// <summary>Writes packets until <paramref name="packetBudget"/> are written or every flow is done.</summary>
    public void Run(long packetBudget)
    {
        _queue.Enqueue(Spawner, (0, _order++));
        long floodStart = FloodAt is { } share ? (long)(share * packetBudget) : long.MaxValue;
        long rampEndNs = (long)(RampSeconds * Second);

        // Each event writes at least one packet, so the budget bounds the loop; so does the queue running dry.
        while (_writer.Packets < packetBudget && _queue.TryDequeue(out int id, out var at))
        {
            long now = at.Time;
            if (_writer.Packets >= floodStart && _flood is null)
            {
                _flood = new FloodBurst(_writer, _random.Fork(), FloodSyns, FloodSynsPerSecond, answeredShare: 1.0);
                _queue.Enqueue(Flood, (now, _order++));
            }

            if (id == Spawner)
            {
                Spawn(now);
            }
            else if (id == Flood)
            {
                long next = _flood!.Step(now);
                if (next != FloodBurst.Finished)
                    _queue.Enqueue(Flood, (next, _order++));
                continue;
            }
            else if (_flows[id].Phase == Phase.Start)
            {
                OpenIn(id, now, _mix.Kind(_random));
            }
            else
            {
                long next = _script.Step(ref _flows[id], now);
                if (next == FlowScript.Finished)
                    End(id, now);
                else
                    _queue.Enqueue(id, (next, _order++));
            }

            if (now >= rampEndNs)
            {
                _openSum += OpenFlows;
                _openSamples++;
            }
            WriteDatagrams(now, packetBudget);
        }
    }

    /// <summary>The spawner's turn: open one flow (writing its SYN) and queue the spawner for the next.</summary>
    private void Spawn(long now)
    {
        bool more;
        long nextAt;
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : NewSlot();
        _spawnerOpened++;
        if (Policy == SpawnPolicy.Population)
        {
            OpenIn(slot, now, _mix.Kind(_random));
            more = _spawnerOpened < Concurrency;
            nextAt = (long)(RampSeconds * Second * _spawnerOpened / Concurrency);
        }
        else
        {
            OpenIn(slot, now, FlowKind.HoldOpen);
            more = _spawnerOpened < TotalFlows;
            nextAt = (long)(_spawnerOpened * (Second / FlowsPerSecond));
        }
        if (more)
            _queue.Enqueue(Spawner, (Math.Max(now, nextAt), _order++));
    }

    private void OpenIn(int slot, long now, FlowKind kind)
    {
        var path = Policy == SpawnPolicy.FixedCount ? DistinctPath(_spawned) : RandomPath(kind);
        ref var flow = ref _flows[slot];
        _script.Open(ref flow, kind, path);
        _spawned++;
        Count(flow);
        OpenFlows++;
        PeakOpenFlows = Math.Max(PeakOpenFlows, OpenFlows);
        long next = _script.Step(ref flow, now);
        if (next == FlowScript.Finished)
            End(slot, now);
        else
            _queue.Enqueue(slot, (next, _order++));
    }

    /// <summary>A flow wrote its last packet. In the realistic population a new flow takes its place a few ms later.</summary>
    private void End(int slot, long now)
    {
        OpenFlows--;
        if (Policy == SpawnPolicy.Population)
        {
            _flows[slot].Phase = Phase.Start;
            _queue.Enqueue(slot, (now + (long)_random.Exponential(2_000_000), _order++));
            return;
        }
        _freeSlots.Push(slot);
    }

    private FlowPath RandomPath(FlowKind kind)
    {
        bool ipv6 = _random.Chance(TrafficMix.Ipv6Share);
        return new FlowPath
        {
            Client = AddressPlan.Client(_random, ipv6),
            Server = AddressPlan.Server(_random, ipv6),
            ClientPort = AddressPlan.EphemeralPort(_random),
            ServerPort = kind is FlowKind.Refused or FlowKind.Unanswered ? AddressPlan.ClosedPort(_random) : AddressPlan.ServicePort(_random),
            VlanId = _random.Chance(TrafficMix.VlanShare) ? (ushort)_random.Between(100, 115) : (ushort)0,
            FlowLabel = ipv6 ? _random.NextUInt32() & 0xF_FFFF : 0,
            // Linux and macOS start at 64, Windows at 128; clients are a few to twenty hops away.
            ClientTtl = (byte)((_random.Chance(0.3) ? 128 : 64) - _random.Between(2, 20)),
        };
    }

    private FlowPath DistinctPath(long index)
    {
        var (client, port) = AddressPlan.DistinctClient(index);
        return new FlowPath
        {
            Client = client,
            ClientPort = port,
            Server = AddressPlan.Server(_random, ipv6: false),
            ServerPort = 443,
            ClientTtl = 60,
        };
    }

    private void Count(in Flow flow)
    {
        _started[(int)flow.Kind]++;
        if (flow.Kind == FlowKind.Complete) _closeStyles[(int)flow.Close]++;
        if (flow.Path.IsIpv6) Ipv6Flows++;
        if (flow.Path.VlanId != 0) VlanFlows++;
        if (flow.LongLived) LongLivedFlows++;
    }

    private int NewSlot()
    {
        if (_usedSlots == _flows.Length)
            Array.Resize(ref _flows, _flows.Length * 2);
        return _usedSlots++;
    }

    /// <summary>DNS queries and answers between the TCP packets, so that <see cref="UdpShare"/> of all packets are UDP.</summary>
    private void WriteDatagrams(long now, long packetBudget)
    {
        if (UdpShare <= 0) return;
        _udpCredit += UdpShare / (1 - UdpShare);
        while (_udpCredit >= 1 && _writer.Packets < packetBudget)
        {
            _udpCredit -= 1;
            _udpIpId++;
            if (_dnsAnswerDue)
            {
                _writer.Datagram(AddressPlan.Resolver, 53, _dnsQuery.Client, _dnsQuery.Port, _dns.Answer, _udpIpId, 64, now);
            }
            else
            {
                _dnsQuery = (AddressPlan.Client(_random, ipv6: false), AddressPlan.EphemeralPort(_random));
                _writer.Datagram(_dnsQuery.Client, _dnsQuery.Port, AddressPlan.Resolver, 53, _dns.NextQuery(_random), _udpIpId, 60, now);
            }
            _dnsAnswerDue = !_dnsAnswerDue;
        }
    }
}
