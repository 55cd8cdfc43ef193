namespace TcpState.Capture.Decoding;

/// <summary>
/// What became of one frame. Every frame gets exactly one outcome, so the counts add up to the frames read.
/// </summary>
public enum DecodeOutcome : byte
{
    /// <summary>A TCP segment was decoded (possibly with its payload cut by the snapshot length).</summary>
    Tcp,
    /// <summary>A well-formed frame of another protocol (UDP, ICMP, ARP, ...): skipped.</summary>
    OtherProtocol,
    /// <summary>A non-first IP fragment: it has no TCP header, so it is counted and skipped.</summary>
    NonFirstFragment,
    /// <summary>The snapshot length cut the frame before the end of the TCP header.</summary>
    TruncatedBySnaplen,
    /// <summary>A header is impossible (see <see cref="MalformedReason"/>).</summary>
    Malformed,
    /// <summary>The capture's link type is not one tcpstate decodes.</summary>
    UnsupportedLinkType,
}

/// <summary>Why a frame was counted as malformed. Stable names: they appear in the summary and JSON output.</summary>
public enum MalformedReason : byte
{
    None,
    LinkHeaderTooShort,
    VlanStackTooDeep,
    MplsStackTooDeep,
    IpVersionMismatch,
    Ipv4HeaderLength,
    Ipv4TotalLength,
    Ipv6PayloadLength,
    Ipv6ExtensionHeader,
    TcpDataOffset,
    TcpHeaderTooShort,
    TunnelHeader,
    TunnelTooDeep,
    /// <summary>A complete frame ends inside the fixed IPv4 (20 bytes) or IPv6 (40 bytes) header.</summary>
    IpHeaderTooShort,
    /// <summary>
    /// A first IP fragment ends inside a header that should follow (RFC 1858's tiny fragment): the rest is in a later
    /// fragment, and tcpstate does not reassemble.
    /// </summary>
    FirstFragmentTooShort,
    /// <summary>More nested headers than <see cref="DecoderLimits.MaxLayers"/>: no real frame needs that many.</summary>
    TooManyLayers,
}
