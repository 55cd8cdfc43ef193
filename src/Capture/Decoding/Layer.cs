namespace TcpState.Capture.Decoding;

/// <summary>
/// The header the decoder looks at next. Each layer's decoder consumes its header and names the next layer (from a
/// dispatch table keyed by EtherType, IP protocol, UDP port, ...); the values before <see cref="Ethernet"/> end the walk.
/// Adding an encapsulation means a new decoder file, a member here with its arm in <see cref="FrameDecoder"/>'s loop,
/// and its row in the dispatch table that leads to it.
/// </summary>
internal enum Layer : byte
{
    /// <summary>The outcome is decided (see <see cref="DecodeState.Outcome"/>).</summary>
    Done,
    /// <summary>A protocol tcpstate does not follow: the frame is counted as another protocol.</summary>
    OtherProtocol,
    /// <summary>The capture's link type is not one tcpstate decodes.</summary>
    UnsupportedLinkType,

    Ethernet,
    Vlan,
    Mpls,
    ProviderBackboneBridge,
    FabricPath,
    VnTag,
    LinuxSll,
    LinuxSll2,
    BsdNullHostOrder,
    BsdLoopNetworkOrder,
    /// <summary>IPv4 or IPv6, told apart by the version nibble.</summary>
    RawIp,

    Ipv4,
    Ipv6,
    /// <summary>IPv4 carried in IP (protocol 4): a tunnel layer, then <see cref="Ipv4"/>.</summary>
    Ipv4InIp,
    /// <summary>IPv6 carried in IP (protocol 41): a tunnel layer, then <see cref="Ipv6"/>.</summary>
    Ipv6InIp,

    Tcp,
    Udp,

    Gre,
    ErspanTypeII,
    ErspanTypeIII,
    Ppp,
    Vxlan,
    Geneve,
    GtpU,
    Teredo,
}
