using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

public class LinkLayerTests
{
    private static readonly byte[] Ipv4Syn = Ipv4(6, Tcp(sourcePort: 40000, destinationPort: 80));
    private static readonly byte[] Ipv6Syn = Ipv6(6, Tcp(sourcePort: 40001, destinationPort: 443));

    private static void AssertIpv4Syn(Decoded decoded, ushort vlanId = 0)
    {
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(Ipv4Source, decoded.Source);
        Assert.Equal(Ipv4Destination, decoded.Destination);
        Assert.Equal(40000, decoded.Segment.SourcePort);
        Assert.Equal(80, decoded.Segment.DestinationPort);
        Assert.Equal(4, decoded.Segment.IpVersion);
        Assert.Equal(vlanId, decoded.Segment.VlanId);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    private static void AssertIpv6Syn(Decoded decoded)
    {
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(Ipv6Source, decoded.Source);
        Assert.Equal(Ipv6Destination, decoded.Destination);
        Assert.Equal(443, decoded.Segment.DestinationPort);
        Assert.Equal(6, decoded.Segment.IpVersion);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void Ethernet_Ipv4_DecodesTcp() => AssertIpv4Syn(Decoded.Of(Ethernet(0x0800, Ipv4Syn)));

    [Fact]
    public void Ethernet_Ipv6_DecodesTcp() => AssertIpv6Syn(Decoded.Of(Ethernet(0x86DD, Ipv6Syn)));

    [Fact]
    public void Ethernet_Dot1Q_ReportsVlanId() =>
        AssertIpv4Syn(Decoded.Of(Ethernet(0x8100, Concat(VlanTag(100, 0x0800, priority: 5), Ipv4Syn))), vlanId: 100);

    [Fact]
    public void QinQ_Dot1ad_ReportsOuterVlanId()
    {
        var frame = Ethernet(0x88A8, Concat(VlanTag(200, 0x8100), VlanTag(300, 0x0800), Ipv4Syn));
        AssertIpv4Syn(Decoded.Of(frame), vlanId: 200);
    }

    [Theory]
    [InlineData(0x9100)]
    [InlineData(0x9200)]
    public void PreStandardQinQTags_AreVlanTags(int outerTpid)
    {
        var frame = Ethernet((ushort)outerTpid, Concat(VlanTag(7, 0x8100), VlanTag(8, 0x86DD), Ipv6Syn));
        var decoded = Decoded.Of(frame);
        AssertIpv6Syn(decoded);
        Assert.Equal(7, decoded.Segment.VlanId);
    }

    private static byte[] VlanStack(int tags)
    {
        var body = new List<byte>();
        for (int i = 0; i < tags; i++)
            body.AddRange(VlanTag((ushort)(i + 1), i == tags - 1 ? (ushort)0x0800 : (ushort)0x8100));
        body.AddRange(Ipv4Syn);
        return Ethernet(0x8100, body.ToArray());
    }

    [Fact]
    public void VlanStack_AtTheLimit_IsDecoded() =>
        AssertIpv4Syn(Decoded.Of(VlanStack(DecoderLimits.MaxVlanTags)), vlanId: 1);

    [Fact]
    public void VlanStack_OfTwentyTags_IsMalformed()
    {
        var decoded = Decoded.Of(VlanStack(20));
        Assert.Equal(DecodeOutcome.Malformed, decoded.Outcome);
        Assert.Equal(MalformedReason.VlanStackTooDeep, decoded.Reason);
    }

    [Fact]
    public void Mpls_TwoLabels_ThenIpv4ByFirstNibble()
    {
        var frame = Ethernet(0x8847, Concat(MplsLabel(1000, false), MplsLabel(2000, true), Ipv4Syn));
        AssertIpv4Syn(Decoded.Of(frame));
    }

    [Fact]
    public void MplsMulticast_ThenIpv6ByFirstNibble() =>
        AssertIpv6Syn(Decoded.Of(Ethernet(0x8848, Concat(MplsLabel(16, true), Ipv6Syn))));

    [Fact]
    public void Mpls_EthernetPseudowireWithControlWord_DecodesInnerFrame()
    {
        var frame = Ethernet(0x8847, Concat(MplsLabel(77, true), U32(0), Ethernet(0x0800, Ipv4Syn)));
        AssertIpv4Syn(Decoded.Of(frame));
    }

    [Fact]
    public void Mpls_UnknownPayload_IsOtherProtocol()
    {
        var frame = Ethernet(0x8847, Concat(MplsLabel(77, true), Hex("1000000000000000")));
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(frame).Outcome);
    }

    [Fact]
    public void Mpls_StackWithoutBottom_IsMalformed()
    {
        var labels = Enumerable.Range(0, 20).SelectMany(i => MplsLabel((uint)i, false)).ToArray();
        var decoded = Decoded.Of(Ethernet(0x8847, Concat(labels, Ipv4Syn)));
        Assert.Equal(MalformedReason.MplsStackTooDeep, decoded.Reason);
    }

    [Fact]
    public void ProviderBackboneBridge_ITagThenCustomerFrame()
    {
        var customerFrame = Ethernet(0x8100, Concat(VlanTag(42, 0x0800), Ipv4Syn));
        var frame = Ethernet(0x88A8, Concat(VlanTag(10, 0x88E7), Hex("00012345"), customerFrame));
        AssertIpv4Syn(Decoded.Of(frame), vlanId: 10);
    }

    [Fact]
    public void FabricPath_OuterHeaderThenClassicEthernet()
    {
        var frame = Ethernet(0x8903, Concat(Hex("4001"), Ethernet(0x0800, Ipv4Syn)));
        AssertIpv4Syn(Decoded.Of(frame));
    }

    [Fact]
    public void VnTag_TagThenEtherType()
    {
        var frame = Ethernet(0x8926, Concat(Hex("80010002"), U16(0x0800), Ipv4Syn));
        AssertIpv4Syn(Decoded.Of(frame));
    }

    [Fact]
    public void EthernetInEthernetWithoutEnd_IsTooManyLayers()
    {
        // 0x6558 (an Ethernet frame follows) is legitimate after GRE or Geneve, so the table allows it anywhere;
        // only the overall layer bound stops a frame that repeats it.
        var frame = Ipv4Syn;
        frame = Ethernet(0x0800, frame);
        for (int i = 0; i < DecoderLimits.MaxLayers; i++)
            frame = Ethernet(0x6558, frame);
        Assert.Equal(MalformedReason.TooManyLayers, Decoded.Of(frame).Reason);
    }

    [Fact]
    public void Ieee8023LengthField_IsOtherProtocol()
    {
        var llc = Concat(Hex("424203000000000000"), new byte[37]);
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(Ethernet((ushort)llc.Length, llc)).Outcome);
    }

    [Fact]
    public void Arp_IsOtherProtocol()
    {
        var arp = Hex("0001080006040001020000000001c0000201000000000000c6336402");
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(Ethernet(0x0806, arp)).Outcome);
    }

    [Fact]
    public void EthernetHeader_CutBySnaplen_IsTruncated()
    {
        var frame = Ethernet(0x0800, Ipv4Syn);
        Assert.Equal(DecodeOutcome.TruncatedBySnaplen, Decoded.Of(frame, capturedLength: 10).Outcome);
    }

    [Fact]
    public void EthernetHeader_ShorterThanFourteenBytes_IsMalformed()
    {
        var decoded = Decoded.Of(Hex("0200000000020200000000010800")[..13]);
        Assert.Equal(MalformedReason.LinkHeaderTooShort, decoded.Reason);
    }

    [Fact]
    public void LinuxSll_ProtocolAtOffset14()
    {
        var header = Concat(U16(0), U16(1), U16(6), Hex("020000000001"), U16(0), U16(0x0800));
        AssertIpv4Syn(Decoded.Of(Concat(header, Ipv4Syn), LinkType.LinuxSll));
    }

    [Fact]
    public void LinuxSll_Netlink_IsOtherProtocol()
    {
        var header = Concat(U16(4), U16(824), U16(0), new byte[8], U16(0x0800));
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(Concat(header, new byte[20]), LinkType.LinuxSll).Outcome);
    }

    [Fact]
    public void LinuxSll2_ProtocolAtOffset0()
    {
        var header = Concat(U16(0x86DD), U16(0), U32(3), U16(1), [0, 6], Hex("0200000000010000"));
        AssertIpv6Syn(Decoded.Of(Concat(header, Ipv6Syn), LinkType.LinuxSll2));
    }

    [Fact]
    public void BsdNull_LittleEndianHost_Ipv4() =>
        AssertIpv4Syn(Decoded.Of(Concat(Hex("02000000"), Ipv4Syn), LinkType.Null));

    [Fact]
    public void BsdNull_BigEndianHost_Ipv4() =>
        AssertIpv4Syn(Decoded.Of(Concat(Hex("00000002"), Ipv4Syn), LinkType.Null));

    [Theory]
    [InlineData(10)]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(30)]
    public void BsdNull_EachIpv6AddressFamily_InBothByteOrders(int family)
    {
        AssertIpv6Syn(Decoded.Of(Concat([(byte)family, 0, 0, 0], Ipv6Syn), LinkType.Null));
        AssertIpv6Syn(Decoded.Of(Concat([0, 0, 0, (byte)family], Ipv6Syn), LinkType.Null));
    }

    [Fact]
    public void BsdNull_UnknownFamily_IsOtherProtocol() =>
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(Concat(Hex("07000000"), Ipv4Syn), LinkType.Null).Outcome);

    [Fact]
    public void BsdLoop_IsNetworkByteOrder()
    {
        AssertIpv6Syn(Decoded.Of(Concat(Hex("00000018"), Ipv6Syn), LinkType.Loop));
        // A little-endian family is not guessed on LOOP: 0x02000000 is no family at all.
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(Concat(Hex("02000000"), Ipv4Syn), LinkType.Loop).Outcome);
    }

    [Theory]
    [InlineData(LinkType.Raw)]
    [InlineData(LinkType.RawAlias12)]
    [InlineData(LinkType.RawAlias14)]
    public void RawIp_VersionFromFirstNibble(LinkType linkType)
    {
        AssertIpv4Syn(Decoded.Of(Ipv4Syn, linkType));
        AssertIpv6Syn(Decoded.Of(Ipv6Syn, linkType));
    }

    [Fact]
    public void RawIp_UnknownVersion_IsMalformed() =>
        Assert.Equal(MalformedReason.IpVersionMismatch, Decoded.Of(Patch8(Ipv4Syn, 0, 0x55), LinkType.Raw).Reason);

    [Fact]
    public void LinkTypeIpv4_And_LinkTypeIpv6()
    {
        AssertIpv4Syn(Decoded.Of(Ipv4Syn, LinkType.Ipv4));
        AssertIpv6Syn(Decoded.Of(Ipv6Syn, LinkType.Ipv6));
        Assert.Equal(MalformedReason.IpVersionMismatch, Decoded.Of(Ipv6Syn, LinkType.Ipv4).Reason);
        Assert.Equal(MalformedReason.IpVersionMismatch, Decoded.Of(Ipv4Syn, LinkType.Ipv6).Reason);
    }

    [Fact]
    public void EtherTypeIpv4_CarryingIpv6_IsVersionMismatch() =>
        Assert.Equal(MalformedReason.IpVersionMismatch, Decoded.Of(Ethernet(0x0800, Ipv6Syn)).Reason);

    [Theory]
    [InlineData(105)] // IEEE 802.11
    [InlineData(127)] // radiotap
    [InlineData(9)]   // PPP
    public void UnsupportedLinkType(int linkType) =>
        Assert.Equal(DecodeOutcome.UnsupportedLinkType, Decoded.Of(Ipv4Syn, (LinkType)linkType).Outcome);

    [Fact]
    public void TimestampComesFromTheFrame() =>
        Assert.Equal(Decoded.Timestamp, Decoded.Of(Ethernet(0x0800, Ipv4Syn)).Segment.Timestamp);
}
