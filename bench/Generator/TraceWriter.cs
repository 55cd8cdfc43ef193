using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Capture.Files;

namespace TcpState.Bench.Generator;

/// <summary>
/// Turns packets described by a flow's script into pcap records: builds each frame, stamps it with packet time (trace
/// start + the engine's clock), writes it, and counts what it wrote.
/// </summary>
public sealed class TraceWriter : IDisposable
{
    /// <summary>Every trace starts at 2026-03-02 09:00:00 UTC, so the same seed gives byte-identical files.</summary>
    public static readonly long StartUnixNanoseconds =
        new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;

    private const ushort ClientSynWindow = 64240;
    private const ushort ServerSynWindow = 65160;
    private const ushort ClientWindow = 502;
    private const ushort ServerWindow = 509;
    private const byte WindowScale = 7;
    private const long NanosecondsPerMillisecond = 1_000_000;

    private readonly PcapWriter _pcap;
    private readonly FrameBuilder _frames;

    public TraceWriter(Stream output, SeededRandom random)
    {
        _pcap = new PcapWriter(output, LinkType.Ethernet);
        _frames = new FrameBuilder(random);
    }

    public long Packets { get; private set; }
    public long TcpPackets { get; private set; }
    public long UdpPackets { get; private set; }
    public long VlanTagged { get; private set; }
    public long Ipv6Packets { get; private set; }
    public long Bytes { get; private set; }
    public long FirstNs { get; private set; } = -1;
    public long LastNs { get; private set; }

    /// <summary>A segment of <paramref name="flow"/> at <paramref name="now"/> (ns since the trace start).</summary>
    public void Segment(ref Flow flow, long now, bool fromClient, uint sequence, uint acknowledgment, TcpFlags flags,
        int payloadLength = 0)
    {
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        var layout = syn ? TcpOptionLayout.LinuxSyn : rst ? TcpOptionLayout.None : TcpOptionLayout.Timestamps;
        ushort window = rst ? (ushort)0
            : syn ? (fromClient ? ClientSynWindow : ServerSynWindow)
            : (fromClient ? ClientWindow : ServerWindow);
        long ms = now / NanosecondsPerMillisecond;
        long echoMs = Math.Max(0, now - flow.RttNs) / NanosecondsPerMillisecond;
        var options = new TcpOptionValues
        {
            Mss = flow.Mss,
            WindowScale = WindowScale,
            // Seen at the server: the client's packets echo what the server sent a round trip ago, the server's echo
            // what just arrived; a client's SYN has nothing to echo yet.
            TsValue = (fromClient ? flow.ClientTsBase : flow.ServerTsBase) + (uint)ms,
            TsEcho = !fromClient ? flow.ClientTsBase + (uint)ms
                : syn ? 0 : flow.ServerTsBase + (uint)echoMs,
        };
        ushort ipId = fromClient ? flow.ClientIpId++ : flow.ServerIpId++;
        var frame = _frames.Tcp(flow.Path, fromClient, sequence, acknowledgment, flags, window, layout, options, payloadLength, ipId);
        if (flow.Path.VlanId != 0) VlanTagged++;
        if (flow.Path.IsIpv6) Ipv6Packets++;
        TcpPackets++;
        Write(frame, now);
    }

    /// <summary>A bare segment outside any flow (a spoofed SYN, a SYN-cookie SYN-ACK): explicit options and window.</summary>
    public void RawSegment(in FlowPath path, long now, bool fromClient, uint sequence, uint acknowledgment, TcpFlags flags,
        ushort window, TcpOptionLayout layout, ushort mss, ushort ipId)
    {
        var options = new TcpOptionValues { Mss = mss };
        var frame = _frames.Tcp(path, fromClient, sequence, acknowledgment, flags, window, layout, options, 0, ipId);
        TcpPackets++;
        Write(frame, now);
    }

    public void Datagram(IpAddress source, ushort sourcePort, IpAddress destination, ushort destinationPort,
        ReadOnlySpan<byte> payload, ushort ipId, byte ttl, long now)
    {
        var frame = _frames.Udp(source, sourcePort, destination, destinationPort, payload, ipId, ttl);
        UdpPackets++;
        Write(frame, now);
    }

    private void Write(ReadOnlySpan<byte> frame, long now)
    {
        if (FirstNs < 0) FirstNs = now;
        LastNs = now;
        _pcap.Write(frame, frame.Length, new PacketTime(StartUnixNanoseconds + now));
        Packets++;
        Bytes += frame.Length;
    }

    public void Dispose() => _pcap.Dispose();
}
