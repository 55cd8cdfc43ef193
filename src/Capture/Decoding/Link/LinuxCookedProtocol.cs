namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// What a Linux cooked header's protocol field means. It is an EtherType for Ethernet, loopback, tun and GRE devices;
/// values below 0x0600 are Linux ETH_P_* pseudo-protocols (802.2 LLC, CAN, ...), and on netlink captures the field
/// holds the netlink family instead, so it must not be read as an EtherType there.
/// </summary>
internal static class LinuxCookedProtocol
{
    /// <summary>ARPHRD_NETLINK from linux/if_arp.h.</summary>
    public const ushort ArphrdNetlink = 824;

    public static Layer Next(ushort arphrdType, ushort protocol) =>
        arphrdType == ArphrdNetlink ? Layer.OtherProtocol : EtherType.Next(protocol);
}
