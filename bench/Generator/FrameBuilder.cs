using System.Buffers.Binary;
using TcpState.Capture.Decoding;

namespace TcpState.Bench.Generator;

/// <summary>The two ends of a flow and the link its packets cross; the client is the side that sends the first SYN.</summary>
public struct FlowPath
{
    public IpAddress Client;
    public IpAddress Server;
    public ushort ClientPort;
    public ushort ServerPort;
    /// <summary>802.1Q VLAN id; 0 sends the frames untagged.</summary>
    public ushort VlanId;
    /// <summary>IPv6 flow label (RFC 6437), one per direction in real stacks; one per flow is enough here.</summary>
    public uint FlowLabel;
    /// <summary>The client's packets arrive with a TTL some hops below its initial 64; the server is local (64).</summary>
    public byte ClientTtl;

    public readonly bool IsIpv6 => !Client.IsIpv4;
}

/// <summary>Which TCP options a segment carries, laid out as Linux lays them out.</summary>
public enum TcpOptionLayout : byte
{
    None,
    /// <summary>NOP, NOP, timestamps: 12 bytes on every segment of a connection that negotiated timestamps.</summary>
    Timestamps,
    /// <summary>MSS, SACK permitted, timestamps, NOP, window scale: 20 bytes, Linux's SYN and SYN-ACK.</summary>
    LinuxSyn,
    /// <summary>MSS alone: a SYN-cookie SYN-ACK answering a bare SYN.</summary>
    MssOnly,
}

/// <summary>The option values a segment carries (only those its layout has are written).</summary>
public struct TcpOptionValues
{
    public ushort Mss;
    public byte WindowScale;
    public uint TsValue;
    public uint TsEcho;
}

/// <summary>
/// Builds one frame at a time into a reusable buffer: Ethernet (optionally 802.1Q-tagged), IPv4 or IPv6, TCP or UDP,
/// with correct IPv4 header, TCP and UDP checksums, so a reader that verifies checksums accepts every segment. Payload
/// bytes are slices of a seeded random block: real-looking (incompressible) data without generating bytes per packet.
/// </summary>
public sealed class FrameBuilder
{
    public const int MaxPayload = 9000;

    private const int EthernetHeader = 14;
    private const int VlanTag = 4;
    private const int Ipv4Header = 20;
    private const int Ipv6Header = 40;
    private const int TcpBaseHeader = 20;
    private const int UdpHeader = 8;
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeIpv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;
    private const byte ProtocolTcp = 6;
    private const byte ProtocolUdp = 17;
    private const byte ServerTtl = 64;
    private const int PayloadBlock = 64 * 1024;
    /// <summary>Ethernet's minimum frame without its FCS: a NIC pads shorter frames with zeros, and captures show them so.</summary>
    private const int MinimumFrame = 60;

    // Locally administered MACs: the server's NIC and the router every client packet comes through.
    private static ReadOnlySpan<byte> ServerMac => [0x02, 0x5e, 0x10, 0x00, 0x00, 0x02];
    private static ReadOnlySpan<byte> RouterMac => [0x02, 0x5e, 0x10, 0x00, 0x00, 0x01];

    private readonly byte[] _frame = new byte[EthernetHeader + VlanTag + Ipv6Header + 60 + MaxPayload];
    private readonly byte[] _payload = new byte[PayloadBlock + MaxPayload];

    public FrameBuilder(SeededRandom random)
    {
        for (int i = 0; i < _payload.Length; i += 8)
            BinaryPrimitives.WriteUInt64LittleEndian(_payload.AsSpan(i), random.NextUInt64());
    }

    /// <summary>A TCP segment of the flow, from the client when <paramref name="fromClient"/>, else from the server.</summary>
    public ReadOnlySpan<byte> Tcp(in FlowPath path, bool fromClient, uint sequence, uint acknowledgment, TcpFlags flags,
        ushort window, TcpOptionLayout layout, in TcpOptionValues options, int payloadLength, ushort ipId)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, MaxPayload);
        var (source, destination) = fromClient ? (path.Client, path.Server) : (path.Server, path.Client);
        int optionsLength = OptionsLength(layout);
        int tcpLength = TcpBaseHeader + optionsLength + payloadLength;
        byte ttl = fromClient ? path.ClientTtl : ServerTtl;
        int ipStart = WriteLink(fromClient, path.VlanId, path.IsIpv6);
        int tcpStart = WriteIp(ipStart, source, destination, ProtocolTcp, tcpLength, ipId, ttl, path.FlowLabel);

        var tcp = _frame.AsSpan(tcpStart, tcpLength);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, fromClient ? path.ClientPort : path.ServerPort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], fromClient ? path.ServerPort : path.ClientPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], acknowledgment);
        int dataOffsetWords = (TcpBaseHeader + optionsLength) / 4;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[12..], (ushort)(dataOffsetWords << 12 | (int)flags & 0x1FF));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[18..], 0);
        WriteOptions(tcp.Slice(TcpBaseHeader, optionsLength), layout, options);
        int payloadOffset = (int)(sequence % PayloadBlock);
        _payload.AsSpan(payloadOffset, payloadLength).CopyTo(tcp[(TcpBaseHeader + optionsLength)..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.TcpChecksum(source, destination, tcp));
        return Padded(tcpStart + tcpLength);
    }

    /// <summary>A UDP datagram carrying <paramref name="payload"/>, untagged.</summary>
    public ReadOnlySpan<byte> Udp(IpAddress source, ushort sourcePort, IpAddress destination, ushort destinationPort,
        ReadOnlySpan<byte> payload, ushort ipId, byte ttl)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxPayload);
        int udpLength = UdpHeader + payload.Length;
        int ipStart = WriteLink(fromClient: true, vlanId: 0, ipv6: !source.IsIpv4);
        int udpStart = WriteIp(ipStart, source, destination, ProtocolUdp, udpLength, ipId, ttl, flowLabel: 0);
        var udp = _frame.AsSpan(udpStart, udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
        payload.CopyTo(udp[UdpHeader..]);
        ushort checksum = InternetChecksum.Complement(
            InternetChecksum.PseudoHeaderSum(source, destination, ProtocolUdp, udpLength) + InternetChecksum.Sum(udp));
        // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return Padded(udpStart + udpLength);
    }

    private ReadOnlySpan<byte> Padded(int length)
    {
        if (length >= MinimumFrame)
            return _frame.AsSpan(0, length);
        _frame.AsSpan(length, MinimumFrame - length).Clear();
        return _frame.AsSpan(0, MinimumFrame);
    }

    public static int OptionsLength(TcpOptionLayout layout) => layout switch
    {
        TcpOptionLayout.Timestamps => 12,
        TcpOptionLayout.LinuxSyn => 20,
        TcpOptionLayout.MssOnly => 4,
        _ => 0,
    };

    private int WriteLink(bool fromClient, ushort vlanId, bool ipv6)
    {
        var frame = _frame.AsSpan();
        (fromClient ? ServerMac : RouterMac).CopyTo(frame);
        (fromClient ? RouterMac : ServerMac).CopyTo(frame[6..]);
        ushort etherType = ipv6 ? EtherTypeIpv6 : EtherTypeIpv4;
        if (vlanId == 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame[12..], etherType);
            return EthernetHeader;
        }
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherTypeVlan);
        BinaryPrimitives.WriteUInt16BigEndian(frame[14..], (ushort)(vlanId & 0x0FFF));
        BinaryPrimitives.WriteUInt16BigEndian(frame[16..], etherType);
        return EthernetHeader + VlanTag;
    }

    private int WriteIp(int start, IpAddress source, IpAddress destination, byte protocol, int upperLength, ushort ipId,
        byte ttl, uint flowLabel)
    {
        var ip = _frame.AsSpan(start);
        if (source.IsIpv4)
        {
            ip[0] = 0x45;
            ip[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(Ipv4Header + upperLength));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], ipId);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // DF, as Linux sets on TCP
            ip[8] = ttl;
            ip[9] = protocol;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
            source.WriteBytes(ip[12..]);
            destination.WriteBytes(ip[16..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Complement(InternetChecksum.Sum(ip[..Ipv4Header])));
            return start + Ipv4Header;
        }
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000u | (flowLabel & 0xF_FFFF));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)upperLength);
        ip[6] = protocol;
        ip[7] = ttl;
        source.WriteBytes(ip[8..]);
        destination.WriteBytes(ip[24..]);
        return start + Ipv6Header;
    }

    private static void WriteOptions(Span<byte> span, TcpOptionLayout layout, in TcpOptionValues options)
    {
        switch (layout)
        {
            case TcpOptionLayout.Timestamps:
                span[0] = 1;
                span[1] = 1;
                WriteTimestamps(span[2..], options);
                break;
            case TcpOptionLayout.LinuxSyn:
                WriteMss(span, options.Mss);
                span[4] = 4; // SACK permitted
                span[5] = 2;
                WriteTimestamps(span[6..], options);
                span[16] = 1;
                span[17] = 3; // window scale
                span[18] = 3;
                span[19] = options.WindowScale;
                break;
            case TcpOptionLayout.MssOnly:
                WriteMss(span, options.Mss);
                break;
        }
    }

    private static void WriteMss(Span<byte> span, ushort mss)
    {
        span[0] = 2;
        span[1] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], mss);
    }

    private static void WriteTimestamps(Span<byte> span, in TcpOptionValues options)
    {
        span[0] = 8;
        span[1] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(span[2..], options.TsValue);
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], options.TsEcho);
    }
}
