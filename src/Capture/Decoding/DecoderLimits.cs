namespace TcpState.Capture.Decoding;

/// <summary>
/// Bounds on how deep the decoder follows nested headers. Frames are untrusted, so every loop over headers a frame
/// can repeat is bounded; beyond a bound the frame is counted as malformed instead of walked further. The bounds sit
/// well above anything real networks produce.
/// </summary>
public static class DecoderLimits
{
    /// <summary>
    /// VLAN tags per frame (802.1Q, 802.1ad and the pre-standard 0x9100/0x9200 tags, across all layers). Real QinQ
    /// uses two; a few more appear with provider bridging and VN-Tag sandwiches.
    /// </summary>
    public const int MaxVlanTags = 16;

    /// <summary>MPLS labels per frame. Segment-routing stacks in practice stay under ten.</summary>
    public const int MaxMplsLabels = 16;

    /// <summary>
    /// IPv6 extension headers per IPv6 header. RFC 8200 §4.1 lets each kind appear once (destination options twice),
    /// so a legitimate chain holds at most about ten.
    /// </summary>
    public const int MaxIpv6ExtensionHeaders = 16;

    /// <summary>GTP-U extension headers per G-PDU (3GPP TS 29.281 §5.2); real ones carry one or two.</summary>
    public const int MaxGtpExtensionHeaders = 16;

    /// <summary>
    /// Tunnels (IP-in-IP, GRE, VXLAN, Geneve, GTP-U, Teredo) removed to reach TCP. Two is common (GTP-U inside
    /// VXLAN); four leaves room and stops a crafted frame from nesting to the end of a 64 KiB buffer.
    /// </summary>
    public const int MaxTunnelDepth = 4;

    /// <summary>
    /// Headers walked per frame, all kinds together. Protects against repetitions that no single bound above covers,
    /// such as Ethernet inside Ethernet through Transparent Ethernet Bridging.
    /// </summary>
    public const int MaxLayers = 64;
}
