namespace TcpState.Capture.Decoding;

/// <summary>
/// What the decoder extracts from one frame that carries TCP: the addresses, the TCP header and its options,
/// and how much payload there was. A plain value: it holds no reference into the frame buffer.
/// </summary>
public struct TcpSegment
{
    public PacketTime Timestamp;
    public IpAddress Source;
    public IpAddress Destination;
    public ushort SourcePort;
    public ushort DestinationPort;
    public uint Sequence;
    public uint Acknowledgment;
    public TcpFlags Flags;
    /// <summary>The raw, unscaled window field.</summary>
    public ushort Window;
    public ushort UrgentPointer;
    /// <summary>Payload length from the IP lengths (what was sent), not from what was captured.</summary>
    public int PayloadLength;
    /// <summary>Payload bytes actually present in the capture.</summary>
    public int CapturedPayloadLength;
    public TcpOptions Options;
    public ChecksumStatus Checksum;
    /// <summary>4 or 6: the innermost IP header that carried this segment.</summary>
    public byte IpVersion;
    /// <summary>IPv4 TTL or IPv6 hop limit.</summary>
    public byte Ttl;
    /// <summary>Number of tunnel layers (GRE, VXLAN, Geneve, GTP-U, Teredo, IP-in-IP) removed to reach the segment.</summary>
    public byte TunnelDepth;
    /// <summary>The outermost 802.1Q VLAN id, 0 when untagged.</summary>
    public ushort VlanId;

    public readonly bool Has(TcpFlags flag) => (Flags & flag) == flag;

    /// <summary>Sequence space the segment occupies: payload plus one for SYN and one for FIN (RFC 9293 §3.4).</summary>
    public readonly uint SequenceLength =>
        (uint)PayloadLength + (Has(TcpFlags.Syn) ? 1u : 0u) + (Has(TcpFlags.Fin) ? 1u : 0u);
}

public enum ChecksumStatus : byte
{
    /// <summary>Not checked: checksums were turned off, or the capture cut the segment so the sum cannot be computed.</summary>
    NotVerified,
    Valid,
    Invalid,
}
