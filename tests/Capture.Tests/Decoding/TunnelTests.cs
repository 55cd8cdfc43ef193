using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

public class TunnelTests
{
    private const string OuterSource = "203.0.113.1";
    private const string OuterDestination = "203.0.113.2";

    private static readonly byte[] InnerIpv4 = Ipv4(6, Tcp(sourcePort: 33000, destinationPort: 22, payload: "SSH-2.0-x\r\n"u8.ToArray()));
    private static readonly byte[] InnerIpv6 = Ipv6(6, Tcp(sourcePort: 33001, destinationPort: 25));

    private static byte[] OuterIpv4(byte protocol, byte[] payload, ushort flagsAndFragmentOffset = 0) =>
        Ethernet(0x0800, Ipv4(protocol, payload, OuterSource, OuterDestination, flagsAndFragmentOffset: flagsAndFragmentOffset));

    private static byte[] OuterUdp(ushort destinationPort, byte[] payload, ushort sourcePort = 50000) =>
        OuterIpv4(17, Udp(sourcePort, destinationPort, payload));

    private static void AssertInnerIpv4(Decoded decoded, int tunnelDepth = 1)
    {
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(Ipv4Source, decoded.Source);
        Assert.Equal(Ipv4Destination, decoded.Destination);
        Assert.Equal(33000, decoded.Segment.SourcePort);
        Assert.Equal(22, decoded.Segment.DestinationPort);
        Assert.Equal(11, decoded.Segment.PayloadLength);
        Assert.Equal(tunnelDepth, decoded.Segment.TunnelDepth);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    private static void AssertInnerIpv6(Decoded decoded)
    {
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(Ipv6Source, decoded.Source);
        Assert.Equal(25, decoded.Segment.DestinationPort);
        Assert.Equal(6, decoded.Segment.IpVersion);
        Assert.Equal(1, decoded.Segment.TunnelDepth);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    private static void AssertMalformedTunnelHeader(byte[] frame) =>
        Assert.Equal(MalformedReason.TunnelHeader, Decoded.Of(frame).Reason);

    // IP in IP

    [Fact]
    public void Ipv4InIpv4() => AssertInnerIpv4(Decoded.Of(OuterIpv4(4, InnerIpv4)));

    [Fact]
    public void Ipv6InIpv4() => AssertInnerIpv6(Decoded.Of(OuterIpv4(41, InnerIpv6)));

    [Fact]
    public void Ipv6InIpv6() => AssertInnerIpv6(Decoded.Of(Ethernet(0x86DD, Ipv6(41, InnerIpv6, source: "2001:db8:ffff::1"))));

    [Fact]
    public void IpInIp_CarryingTheWrongVersion_IsMalformed() =>
        Assert.Equal(MalformedReason.IpVersionMismatch, Decoded.Of(OuterIpv4(4, InnerIpv6)).Reason);

    [Fact]
    public void NestingAtTheLimit_IsDecoded()
    {
        var packet = InnerIpv4;
        for (int i = 1; i < DecoderLimits.MaxTunnelDepth + 1; i++)
            packet = Ipv4(4, packet);
        AssertInnerIpv4(Decoded.Of(packet, LinkType.Raw), tunnelDepth: DecoderLimits.MaxTunnelDepth);
    }

    [Fact]
    public void NestingBeyondTheLimit_IsTunnelTooDeep()
    {
        var packet = InnerIpv4;
        for (int i = 0; i < DecoderLimits.MaxTunnelDepth + 1; i++)
            packet = Ipv4(4, packet);
        Assert.Equal(MalformedReason.TunnelTooDeep, Decoded.Of(packet, LinkType.Raw).Reason);
    }

    // GRE

    [Fact]
    public void Gre_Plain() => AssertInnerIpv4(Decoded.Of(OuterIpv4(47, Concat(Hex("00000800"), InnerIpv4))));

    [Fact]
    public void Gre_WithChecksumKeyAndSequence() =>
        AssertInnerIpv4(Decoded.Of(OuterIpv4(47, Concat(Hex("b0000800 12340000 0000002a 00000007"), InnerIpv4))));

    [Fact]
    public void Gre_Ipv6() => AssertInnerIpv6(Decoded.Of(OuterIpv4(47, Concat(Hex("000086dd"), InnerIpv6))));

    [Fact]
    public void Gre_TransparentEthernetBridging() =>
        AssertInnerIpv4(Decoded.Of(OuterIpv4(47, Concat(Hex("20006558 00000001"), Ethernet(0x0800, InnerIpv4)))));

    [Fact]
    public void Gre_RoutingBit_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterIpv4(47, Concat(Hex("40000800 00000000"), InnerIpv4)));

    [Fact]
    public void Gre_UnknownVersion_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterIpv4(47, Concat(Hex("00020800"), InnerIpv4)));

    [Fact]
    public void Gre_OptionalFieldsPastTheEnd_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterIpv4(47, Hex("b0000800 12340000")));

    [Fact]
    public void Gre_OtherPayload_IsOtherProtocol() =>
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterIpv4(47, Concat(Hex("00000806"), new byte[28]))).Outcome);

    [Fact]
    public void EnhancedGre_Pptp_PppWithAddressAndControl()
    {
        var ppp = Concat(Hex("ff030021"), InnerIpv4);
        var gre = Concat(Hex("3001880b"), U16(ppp.Length), Hex("0042 00000005"), ppp);
        AssertInnerIpv4(Decoded.Of(OuterIpv4(47, gre)));
    }

    [Fact]
    public void EnhancedGre_Pptp_CompressedPppAndAck()
    {
        var ppp = Concat(Hex("21"), InnerIpv4);
        var gre = Concat(Hex("3081880b"), U16(ppp.Length), Hex("0042 00000005 00000004"), ppp);
        AssertInnerIpv4(Decoded.Of(OuterIpv4(47, gre)));
    }

    [Fact]
    public void EnhancedGre_Pptp_Ipv6() =>
        AssertInnerIpv6(Decoded.Of(OuterIpv4(47, Concat(Hex("2001880b"), U16(InnerIpv6.Length + 4), Hex("0042"), Hex("ff030057"), InnerIpv6))));

    [Fact]
    public void EnhancedGre_AckOnly_IsOtherProtocol() =>
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterIpv4(47, Hex("2081880b 00000042 00000009"))).Outcome);

    [Fact]
    public void EnhancedGre_PppControlProtocol_IsOtherProtocol() =>
        Assert.Equal(DecodeOutcome.OtherProtocol,
            Decoded.Of(OuterIpv4(47, Concat(Hex("2001880b 000a0042"), Hex("ff03c021 0101000a0000")))).Outcome);

    [Fact]
    public void EnhancedGre_WithoutKey_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterIpv4(47, Concat(Hex("0001880b"), InnerIpv4)));

    [Fact]
    public void ErspanTypeI_HasNoHeader() =>
        AssertInnerIpv4(Decoded.Of(OuterIpv4(47, Concat(Hex("000088be"), Ethernet(0x0800, InnerIpv4)))));

    [Fact]
    public void ErspanTypeII()
    {
        var erspan = Hex("100a0001 00000000");
        AssertInnerIpv4(Decoded.Of(OuterIpv4(47, Concat(Hex("100088be 00000001"), erspan, Ethernet(0x0800, InnerIpv4)))));
    }

    [Fact]
    public void ErspanTypeIII_WithPlatformSubheader()
    {
        var erspan = Hex("200a0001 01020304 00000001"); // O flag set: an 8-byte subheader follows
        var gre = Concat(Hex("100022eb 00000001"), erspan, new byte[8], Ethernet(0x0800, InnerIpv4));
        AssertInnerIpv4(Decoded.Of(OuterIpv4(47, gre)));
    }

    [Fact]
    public void ErspanTypeIII_IpFrameType()
    {
        var erspan = Hex("200a0001 01020304 00000800"); // frame type 2: an IP packet, no Ethernet header
        AssertInnerIpv4(Decoded.Of(OuterIpv4(47, Concat(Hex("100022eb 00000001"), erspan, InnerIpv4))));
    }

    // UDP tunnels

    [Fact]
    public void Vxlan() =>
        AssertInnerIpv4(Decoded.Of(OuterUdp(4789, Concat(Hex("08000000 00007b00"), Ethernet(0x0800, InnerIpv4)))));

    [Fact]
    public void Vxlan_WithoutTheIFlag_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterUdp(4789, Concat(Hex("00000000 00007b00"), Ethernet(0x0800, InnerIpv4))));

    [Fact]
    public void Geneve_EthernetWithOptions()
    {
        var geneve = Concat(Hex("02006558 00012300"), Hex("0100 8001 00000000"), Ethernet(0x0800, InnerIpv4));
        AssertInnerIpv4(Decoded.Of(OuterUdp(6081, geneve)));
    }

    [Fact]
    public void Geneve_IpPayloads()
    {
        AssertInnerIpv4(Decoded.Of(OuterUdp(6081, Concat(Hex("00000800 00012300"), InnerIpv4))));
        AssertInnerIpv6(Decoded.Of(OuterUdp(6081, Concat(Hex("000086dd 00012300"), InnerIpv6))));
    }

    [Fact]
    public void Geneve_UnknownVersion_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterUdp(6081, Concat(Hex("40000800 00012300"), InnerIpv4)));

    [Fact]
    public void Geneve_OptionsPastTheEnd_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterUdp(6081, Hex("3f000800 00012300 00000000")));

    private static byte[] GtpU(byte flags, byte messageType, byte[] afterMandatoryHeader) =>
        Concat([flags, messageType], U16(afterMandatoryHeader.Length), U32(0x11223344), afterMandatoryHeader);

    [Fact]
    public void GtpU_GPdu() => AssertInnerIpv4(Decoded.Of(OuterUdp(2152, GtpU(0x30, 0xFF, InnerIpv4))));

    [Fact]
    public void GtpU_FromPort2152_IsAlsoATunnel() =>
        AssertInnerIpv4(Decoded.Of(OuterUdp(40000, GtpU(0x30, 0xFF, InnerIpv4), sourcePort: 2152)));

    [Fact]
    public void GtpU_WithSequenceNumber() =>
        AssertInnerIpv6(Decoded.Of(OuterUdp(2152, GtpU(0x32, 0xFF, Concat(Hex("00070000"), InnerIpv6)))));

    [Fact]
    public void GtpU_WithExtensionHeaders()
    {
        // Next type 0x85 (PDU session container, 4 bytes), then 0x40 (UDP port, 4 bytes), then none.
        var optional = Concat(Hex("00000085"), Hex("01001040"), Hex("01089900"), InnerIpv4);
        AssertInnerIpv4(Decoded.Of(OuterUdp(2152, GtpU(0x34, 0xFF, optional))));
    }

    [Theory]
    [InlineData(DecoderLimits.MaxGtpExtensionHeaders, true)]
    [InlineData(DecoderLimits.MaxGtpExtensionHeaders + 1, false)]
    public void GtpU_ExtensionChain_IsFollowedUpToTheLimit(int extensions, bool decoded)
    {
        // Each 4-byte extension names another after it (0x85), the last none (0x00): a chain a packet could repeat to its end.
        var chain = Enumerable.Range(0, extensions).SelectMany(i => Hex(i == extensions - 1 ? "01000000" : "01000085")).ToArray();
        var packet = OuterUdp(2152, GtpU(0x34, 0xFF, Concat(Hex("00000085"), chain, InnerIpv4)));
        if (decoded)
            AssertInnerIpv4(Decoded.Of(packet));
        else
            AssertMalformedTunnelHeader(packet);
    }

    [Fact]
    public void GtpU_ZeroLengthExtensionHeader_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterUdp(2152, GtpU(0x34, 0xFF, Concat(Hex("00000085"), Hex("00000000"), InnerIpv4))));

    [Fact]
    public void GtpU_EchoRequest_IsOtherProtocol() =>
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterUdp(2152, GtpU(0x32, 0x01, Hex("00010000")))).Outcome);

    [Fact]
    public void GtpU_Version2_IsMalformed() => AssertMalformedTunnelHeader(OuterUdp(2152, GtpU(0x50, 0xFF, InnerIpv4)));

    [Fact]
    public void GtpU_NonIpPdu_IsOtherProtocol() =>
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterUdp(2152, GtpU(0x30, 0xFF, Ethernet(0x0800, InnerIpv4)))).Outcome);

    [Fact]
    public void Teredo_BareIpv6() => AssertInnerIpv6(Decoded.Of(OuterUdp(3544, InnerIpv6)));

    [Fact]
    public void Teredo_WithAuthenticationAndOriginIndication()
    {
        var authentication = Concat(Hex("0001 02 03"), Hex("aabb"), Hex("ccddee"), new byte[8], Hex("00"));
        var origin = Hex("0000 f12a b9c82815");
        AssertInnerIpv6(Decoded.Of(OuterUdp(40000, Concat(authentication, origin, InnerIpv6), sourcePort: 3544)));
    }

    [Fact]
    public void Teredo_PayloadThatIsNotIpv6_IsOtherProtocol()
    {
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterUdp(3544, InnerIpv4)).Outcome);
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterUdp(3544, Hex("0102030405"))).Outcome);
    }

    [Fact]
    public void Teredo_Ipv6WhoseLengthDisagreesWithUdp_IsOtherProtocol() =>
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterUdp(3544, Concat(InnerIpv6, Hex("00")))).Outcome);

    [Fact]
    public void GreInUdp() => AssertInnerIpv4(Decoded.Of(OuterUdp(4754, Concat(Hex("00000800"), InnerIpv4))));

    [Fact]
    public void Udp_OnOtherPorts_IsOtherProtocol() =>
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterUdp(53, Concat(Hex("08000000 00007b00"), InnerIpv4))).Outcome);

    [Fact]
    public void Udp_LengthBelowEight_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterIpv4(17, Udp(1, 4789, InnerIpv4, length: 7)));

    [Fact]
    public void Udp_LengthBeyondTheIpPayload_IsMalformed() =>
        AssertMalformedTunnelHeader(OuterIpv4(17, Udp(1, 4789, Concat(Hex("08000000 00007b00"), Ethernet(0x0800, InnerIpv4)), length: 2000)));

    [Fact]
    public void UdpHeader_ShorterThanEightBytes_IsOtherProtocol_OrTruncatedWhenCut()
    {
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterIpv4(17, Hex("1234"))).Outcome);
        var frame = OuterUdp(4789, new byte[20]);
        Assert.Equal(DecodeOutcome.TruncatedBySnaplen, Decoded.Of(frame, capturedLength: 14 + 20 + 4).Outcome);
    }

    [Fact]
    public void TunnelDecodingOff_TunnelsAreOtherProtocols()
    {
        var off = new DecoderOptions { DecodeTunnels = false };
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterIpv4(4, InnerIpv4), options: off).Outcome);
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(OuterIpv4(47, Concat(Hex("00000800"), InnerIpv4)), options: off).Outcome);
        Assert.Equal(DecodeOutcome.OtherProtocol,
            Decoded.Of(OuterUdp(4789, Concat(Hex("08000000 00007b00"), Ethernet(0x0800, InnerIpv4))), options: off).Outcome);
    }

    [Fact]
    public void TunneledSegments_AreCounted()
    {
        var accounting = new FrameAccounting();
        Ipv4Tests.DecodeWithAccounting(OuterIpv4(4, InnerIpv4), accounting, out _);
        Ipv4Tests.DecodeWithAccounting(Ethernet(0x0800, InnerIpv4), accounting, out _);
        Assert.Equal(2, accounting.Tcp);
        Assert.Equal(1, accounting.Tunneled);
    }

    [Fact]
    public void TunnelInsideAFirstFragment_DecodesTheInnerHeaders()
    {
        // The outer fragment ends 100 bytes into the inner segment's payload; the rest is in the next fragment.
        var inner = Ipv4(6, Tcp(flags: TcpFlags.Ack, payload: new byte[400]));
        var fragmentPayload = Udp(50000, 2152, GtpU(0x30, 0xFF, inner))[..(8 + 8 + 20 + 20 + 100)];
        var frame = OuterIpv4(17, fragmentPayload, flagsAndFragmentOffset: 0x2000);
        var accounting = new FrameAccounting();

        var outcome = Ipv4Tests.DecodeWithAccounting(frame, accounting, out var segment);

        Assert.Equal(DecodeOutcome.Tcp, outcome);
        Assert.Equal(400, segment.PayloadLength);
        Assert.Equal(100, segment.CapturedPayloadLength);
        Assert.Equal(ChecksumStatus.NotVerified, segment.Checksum);
        Assert.Equal(1, accounting.IpFragments);
        Assert.Equal(0, accounting.TcpPayloadTruncated); // fragmentation, not the snapshot length, cut it
        Assert.Equal(1, accounting.Tunneled);
    }

    [Fact]
    public void TunnelHeaderSplitByAFirstFragment_IsFirstFragmentTooShort()
    {
        var fragmentPayload = Udp(50000, 2152, GtpU(0x30, 0xFF, InnerIpv4))[..(8 + 8 + 10)];
        var frame = OuterIpv4(17, fragmentPayload, flagsAndFragmentOffset: 0x2000);
        Assert.Equal(MalformedReason.FirstFragmentTooShort, Decoded.Of(frame).Reason);
    }
}
