using System.Globalization;
using System.Text;

namespace TcpState.Bench.Generator;

/// <summary>What a run wrote, for people (stdout) and for bench/compare (FILE.meta, key=value).</summary>
public sealed class TraceSummary(string mode, ulong seed, string path)
{
    private readonly List<(string Key, string Label, long Count, string Note)> _kinds = [];
    private readonly List<(string Key, string Value)> _meta = [];
    private long _packets, _tcp, _udp, _ipv6Packets, _vlanPackets, _bytes, _firstNs, _lastNs;
    private long _connections, _ipv6Flows, _vlanFlows, _longLived, _peakOpen;
    private double _meanOpen;
    private string? _floodLine;

    public long FileBytes { get; set; }
    public double GeneratedSeconds { get; set; }

    public void FromEngine(TrafficEngine engine)
    {
        foreach (var kind in Enum.GetValues<FlowKind>())
        {
            long count = engine.FlowsStarted(kind);
            if (count == 0) continue;
            _connections += count;
            string note = kind == FlowKind.Complete
                ? string.Join(", ", Enum.GetValues<CloseStyle>().Select(s => $"{Name(s)} {N(engine.ClosesOfStyle(s))}"))
                : "";
            _kinds.Add((Key(kind), Label(kind), count, note));
        }
        _ipv6Flows = engine.Ipv6Flows;
        _vlanFlows = engine.VlanFlows;
        _longLived = engine.LongLivedFlows;
        _peakOpen = engine.PeakOpenFlows;
        _meanOpen = engine.MeanOpenFlows;
        if (engine.FloodSynsSent > 0)
        {
            _floodLine = $"{N(engine.FloodSynsSent)} spoofed SYNs from as many sources to {AddressPlan.FloodTarget}:{AddressPlan.FloodTargetPort}, " +
                         $"{N(engine.FloodSynAcksSent)} SYN-cookie SYN-ACKs";
            _meta.Add(("flood_syns", engine.FloodSynsSent.ToString(CultureInfo.InvariantCulture)));
            _meta.Add(("flood_syn_acks", engine.FloodSynAcksSent.ToString(CultureInfo.InvariantCulture)));
        }
    }

    public void FromFlood(FloodBurst flood, double answered)
    {
        _connections = flood.SynsSent;
        _kinds.Add(("flood_syns", "spoofed SYNs", flood.SynsSent, $"one per distinct source, to {(flood.Target.IsIpv4 ? $"{flood.Target}" : $"[{flood.Target}]")}:{AddressPlan.FloodTargetPort}"));
        if (flood.RstsSent > 0)
            _kinds.Add(("flood_rsts", "RST+ACK refusals", flood.RstsSent, $"the closed port answers {answered:P0}"));
        else if (flood.SynAcksRetransmitted == 0)
            _kinds.Add(("flood_syn_acks", "SYN-cookie SYN-ACKs", flood.SynAcksSent, $"the listener answers {answered:P0}"));
        else
        {
            _kinds.Add(("flood_syn_acks", "SYN-ACKs", flood.SynAcksSent, $"the listener answers {answered:P0}, keeping state"));
            _kinds.Add(("flood_syn_ack_retransmissions", "SYN-ACKs retransmitted", flood.SynAcksRetransmitted,
                "no cookies: each answer again at 1, 3, 7 s..."));
        }
    }

    public void FromWriter(TraceWriter writer)
    {
        _packets = writer.Packets;
        _tcp = writer.TcpPackets;
        _udp = writer.UdpPackets;
        _ipv6Packets = writer.Ipv6Packets;
        _vlanPackets = writer.VlanTagged;
        _bytes = writer.Bytes;
        _firstNs = Math.Max(0, writer.FirstNs);
        _lastNs = writer.LastNs;
    }

    private double SpanSeconds => (_lastNs - _firstNs) / 1e9;

    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine($"wrote {path}  ({mode}, seed {seed})");
        text.AppendLine($"  packets          {N(_packets)}  (TCP {N(_tcp)}, UDP {N(_udp)} to skip)");
        text.AppendLine($"  file size        {FileBytes / 1e6:N1} MB, mean frame {(double)_bytes / Math.Max(1, _packets):N0} bytes");
        text.AppendLine($"  packet time      {SpanSeconds:N1} s from 2026-03-02T09:00:00Z");
        if (mode != "flood")
        {
            text.AppendLine($"  connections      {N(_connections)} started");
            foreach (var (_, label, count, note) in _kinds)
                text.AppendLine($"    {label,-22}{N(count),12}  {Percent(count, _connections),6}  {note}");
            if (_floodLine is not null)
                text.AppendLine($"    plus a SYN flood burst: {_floodLine}");
            text.AppendLine($"  IPv6             {Percent(_ipv6Flows, _connections)} of connections, {Percent(_ipv6Packets, _tcp)} of TCP packets");
            text.AppendLine($"  802.1Q VLAN      {Percent(_vlanFlows, _connections)} of connections, {Percent(_vlanPackets, _tcp)} of TCP packets");
            text.AppendLine($"  long-lived       {N(_longLived)} connections with 10-60 exchanges");
            text.AppendLine($"  open at once     peak {N(_peakOpen)}, mean {_meanOpen:N0} after the ramp (flows with packets still to come)");
        }
        else
        {
            foreach (var (_, label, count, note) in _kinds)
                text.AppendLine($"  {label,-17}{N(count),12}  {note}");
        }
        text.AppendLine($"  generated in     {GeneratedSeconds:N1} s ({_packets / Math.Max(GeneratedSeconds, 1e-9) / 1e6:N2} M packets/s)");
        return text.ToString();
    }

    public string RenderMeta()
    {
        var lines = new List<(string, string)>
        {
            ("mode", mode),
            ("seed", seed.ToString(CultureInfo.InvariantCulture)),
            ("packets", _packets.ToString(CultureInfo.InvariantCulture)),
            ("tcp_packets", _tcp.ToString(CultureInfo.InvariantCulture)),
            ("udp_packets", _udp.ToString(CultureInfo.InvariantCulture)),
            ("file_bytes", FileBytes.ToString(CultureInfo.InvariantCulture)),
            ("span_seconds", SpanSeconds.ToString("F1", CultureInfo.InvariantCulture)),
            ("connections", _connections.ToString(CultureInfo.InvariantCulture)),
            ("peak_open", _peakOpen.ToString(CultureInfo.InvariantCulture)),
            ("mean_open", _meanOpen.ToString("F0", CultureInfo.InvariantCulture)),
            ("ipv6_connections", _ipv6Flows.ToString(CultureInfo.InvariantCulture)),
            ("vlan_connections", _vlanFlows.ToString(CultureInfo.InvariantCulture)),
        };
        lines.AddRange(_kinds.Select(k => (k.Key, k.Count.ToString(CultureInfo.InvariantCulture))));
        lines.AddRange(_meta);
        return string.Concat(lines.Distinct().Select(l => $"{l.Item1}={l.Item2}\n"));
    }

    private static string Key(FlowKind kind) => kind switch
    {
        FlowKind.Complete => "complete",
        FlowKind.Refused => "refused",
        FlowKind.HalfOpen => "half_open",
        FlowKind.Unanswered => "unanswered",
        FlowKind.Reset => "reset",
        FlowKind.CloseWaitLinger => "close_wait_linger",
        _ => "hold_open",
    };

    private static string Label(FlowKind kind) => kind switch
    {
        FlowKind.Complete => "complete (FIN close)",
        FlowKind.Refused => "refused (RST)",
        FlowKind.HalfOpen => "half-open, SYN-ACK rtx",
        FlowKind.Unanswered => "unanswered SYN",
        FlowKind.Reset => "reset after data",
        FlowKind.CloseWaitLinger => "lingering CLOSE_WAIT",
        _ => "held open",
    };

    private static string Name(CloseStyle style) => style switch
    {
        CloseStyle.ClientFirst => "client closes first",
        CloseStyle.ServerFirst => "server first",
        CloseStyle.ThreeWay => "three-way",
        _ => "simultaneous",
    };

    private static string Percent(long part, long whole) => whole == 0 ? "-" : $"{100.0 * part / whole:F1}%";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
