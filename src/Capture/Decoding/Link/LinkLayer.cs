namespace TcpState.Capture.Decoding.Link;

/// <summary>The first header of a frame, chosen by the capture's link type (LINKTYPE_* values).</summary>
internal static class LinkLayer
{
    public static Layer First(LinkType linkType) => linkType switch
    {
        LinkType.Ethernet => Layer.Ethernet,
        LinkType.LinuxSll => Layer.LinuxSll,
        LinkType.LinuxSll2 => Layer.LinuxSll2,
        LinkType.Null => Layer.BsdNullHostOrder,
        LinkType.Loop => Layer.BsdLoopNetworkOrder,
        LinkType.Raw or LinkType.RawAlias12 or LinkType.RawAlias14 => Layer.RawIp,
        LinkType.Ipv4 => Layer.Ipv4,
        LinkType.Ipv6 => Layer.Ipv6,
        _ => Layer.UnsupportedLinkType,
    };
}
