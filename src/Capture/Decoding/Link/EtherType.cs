namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// The EtherType dispatch table. EtherTypes also name the payload of GRE (RFC 2784 §2.4), Geneve (RFC 8926 §3.4),
/// Linux cooked captures and VLAN tags, so every one of those layers looks the next layer up here.
/// </summary>
internal static class EtherType
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Ipv6 = 0x86DD;
    public const ushort Vlan8021Q = 0x8100;
    public const ushort Vlan8021ad = 0x88A8;
    /// <summary>Pre-standard QinQ outer tags used by some switches before 802.1ad.</summary>
    public const ushort VlanQinQ9100 = 0x9100;
    public const ushort VlanQinQ9200 = 0x9200;
    public const ushort MplsUnicast = 0x8847;
    public const ushort MplsMulticast = 0x8848;
    public const ushort ProviderBackboneBridge = 0x88E7;
    public const ushort FabricPath = 0x8903;
    public const ushort VnTag = 0x8926;
    /// <summary>An Ethernet frame follows (RFC 1701 calls it Transparent Ethernet Bridging); GRE, Geneve, NVGRE use it.</summary>
    public const ushort TransparentEthernetBridging = 0x6558;
    public const ushort ErspanTypeII = 0x88BE;
    public const ushort ErspanTypeIII = 0x22EB;
    public const ushort Ppp = 0x880B;

    /// <summary>
    /// The layer an EtherType announces. Everything else (ARP, LLDP, ...) is another protocol, and so are the values
    /// below 0x0600, which in an Ethernet header are 802.3 lengths (IEEE 802.3 §3.2.6) ahead of an LLC header.
    /// </summary>
    public static Layer Next(ushort etherType) => etherType switch
    {
        Ipv4 => Layer.Ipv4,
        Ipv6 => Layer.Ipv6,
        Vlan8021Q or Vlan8021ad or VlanQinQ9100 or VlanQinQ9200 => Layer.Vlan,
        MplsUnicast or MplsMulticast => Layer.Mpls,
        ProviderBackboneBridge => Layer.ProviderBackboneBridge,
        FabricPath => Layer.FabricPath,
        VnTag => Layer.VnTag,
        TransparentEthernetBridging => Layer.Ethernet,
        ErspanTypeII => Layer.ErspanTypeII,
        ErspanTypeIII => Layer.ErspanTypeIII,
        Ppp => Layer.Ppp,
        _ => Layer.OtherProtocol,
    };
}
