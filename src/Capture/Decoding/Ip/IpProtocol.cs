namespace TcpState.Capture.Decoding.Ip;

/// <summary>
/// IP protocol numbers (IANA "Assigned Internet Protocol Numbers"; IPv6 calls them next-header values) and the
/// dispatch table from the protocol that ends an IP header chain to the next layer.
/// </summary>
internal static class IpProtocol
{
    public const byte HopByHopOptions = 0;
    public const byte Icmp = 1;
    public const byte IpInIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Ipv6InIp = 41;
    public const byte Ipv6Routing = 43;
    public const byte Ipv6Fragment = 44;
    public const byte Gre = 47;
    public const byte EncapsulatingSecurityPayload = 50;
    public const byte AuthenticationHeader = 51;
    public const byte Ipv6NoNextHeader = 59;
    public const byte Ipv6DestinationOptions = 60;
    public const byte Mobility = 135;
    public const byte HostIdentity = 139;
    public const byte Shim6 = 140;
    public const byte Experiment1 = 253;
    public const byte Experiment2 = 254;

    /// <summary>
    /// The layer after an IP header (or its last IPv6 extension header). Tunnels are only followed when enabled;
    /// otherwise they are other protocols like any other. ESP and "no next header" end here as other protocols.
    /// </summary>
    public static Layer Next(byte protocol, bool decodeTunnels) => protocol switch
    {
        Tcp => Layer.Tcp,
        Udp when decodeTunnels => Layer.Udp,
        Gre when decodeTunnels => Layer.Gre,
        IpInIp when decodeTunnels => Layer.Ipv4InIp,
        Ipv6InIp when decodeTunnels => Layer.Ipv6InIp,
        _ => Layer.OtherProtocol,
    };
}
