namespace TcpState.Capture;

/// <summary>
/// Link-layer header types as written in pcap and pcapng files (the LINKTYPE_* registry,
/// https://www.tcpdump.org/linktypes.html). Live capture reports DLT_* values; <see cref="LinkTypes.FromDlt"/>
/// maps the few that differ.
/// </summary>
public enum LinkType : ushort
{
    Null = 0,            // BSD loopback: 4-byte address family in host byte order
    Ethernet = 1,
    RawAlias12 = 12,     // DLT_RAW on most BSDs and Linux when written by old libpcap
    RawAlias14 = 14,     // DLT_RAW on OpenBSD
    Raw = 101,           // raw IPv4 or IPv6, version from the first nibble
    Loop = 108,          // OpenBSD loopback: 4-byte address family in network byte order
    LinuxSll = 113,
    Ipv4 = 228,
    Ipv6 = 229,
    LinuxSll2 = 276,
}

public static class LinkTypes
{
    /// <summary>Maps a DLT_* value from libpcap to the LINKTYPE_* value files use.</summary>
    public static LinkType FromDlt(int dlt) => dlt switch
    {
        12 or 14 => LinkType.Raw,
        _ => (LinkType)dlt,
    };

    /// <summary>
    /// Maps a LINKTYPE_* value back to the DLT_* value libpcap's filter compiler knows (<c>pcap_open_dead</c> takes DLTs):
    /// raw IP is LINKTYPE 101 in files but DLT 12 on Linux and most other systems.
    /// </summary>
    public static int ToDlt(LinkType type) => type switch
    {
        LinkType.Raw or LinkType.RawAlias12 or LinkType.RawAlias14 => 12,
        _ => (int)type,
    };

    public static bool IsRawIp(LinkType type) =>
        type is LinkType.Raw or LinkType.RawAlias12 or LinkType.RawAlias14 or LinkType.Ipv4 or LinkType.Ipv6;
}
