using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

/// <summary>
/// Real frames from the Zeek test corpus (/work/shared/corpus/zeek/traces/), dumped with `tcpdump -r FILE -xx -nn -v`.
/// Each test asserts what tcpdump (or, where tcpdump stops early, the trace's own bytes) shows.
/// </summary>
public class CorpusFrameTests
{
    private static Decoded Decode(string dump, LinkType linkType = LinkType.Ethernet, int? originalLength = null) =>
        Decoded.Of(FromTcpdump(dump), linkType, originalLength: originalLength);

    private static void AssertSegment(Decoded decoded, string source, int sourcePort, string destination,
        int destinationPort, TcpFlags flags, uint sequence)
    {
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(source, decoded.Source);
        Assert.Equal(sourcePort, decoded.Segment.SourcePort);
        Assert.Equal(destination, decoded.Destination);
        Assert.Equal(destinationPort, decoded.Segment.DestinationPort);
        Assert.Equal(flags, decoded.Segment.Flags);
        Assert.Equal(sequence, decoded.Segment.Sequence);
    }

    [Fact]
    public void Vxlan_EncapsulatedHttpSyn()
    {
        // tunnels__vxlan-encapsulated-http.pcap #1
        // 10.1.200.131.50000 > 10.1.1.172.4789: VXLAN, flags [I] (0x08), vni 1
        //   172.16.11.201.40354 > 54.86.237.188.80: Flags [S], cksum 0x0892 (correct), seq 1521476008, win 64240,
        //   options [mss 1460,sackOK,TS val 3079526072 ecr 0,nop,wscale 7], length 0
        var decoded = Decode("""
            0x0000:  1242 cdc5 e822 1242 cdc5 e822 0800 4500
            0x0010:  006e 0000 0000 4011 9c4e 0a01 c883 0a01
            0x0020:  01ac c350 12b5 005a 961f 0800 0000 0000
            0x0030:  0100 74ac b93f d27d 48f1 7fa3 b6ff 0800
            0x0040:  4500 003c 1998 4000 4006 4538 ac10 0bc9
            0x0050:  3656 edbc 9da2 0050 5aaf e1a8 0000 0000
            0x0060:  a002 faf0 0892 0000 0204 05b4 0402 080a
            0x0070:  b78d d6b8 0000 0000 0103 0307
            """);
        AssertSegment(decoded, "172.16.11.201", 40354, "54.86.237.188", 80, TcpFlags.Syn, 1521476008);
        Assert.Equal(64240, decoded.Segment.Window);
        Assert.Equal(1, decoded.Segment.TunnelDepth);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
        Assert.Equal(1460, decoded.Segment.Options.Mss);
        Assert.Equal(7, decoded.Segment.Options.WindowScale);
        Assert.Equal(3079526072u, decoded.Segment.Options.TimestampValue);
    }

    [Fact]
    public void Geneve_ManyOptions_InnerChecksumIncorrect()
    {
        // tunnels__geneve-many-options.pcap #1: three Linux options (20 + 40 + 16 bytes)
        //   10.0.0.226.39088 > 95.217.228.176.80: Flags [S], cksum 0x4f9a (incorrect -> 0x0826), seq 2448085449
        var decoded = Decode("""
            0x0000:  72c4 9448 56a8 0011 2233 4455 0800 4500
            0x0010:  00ba 0000 0000 4011 240e c0a8 21b3 c0a8
            0x0020:  b321 1a0b 17c1 00a6 e890 1300 6558 0c01
            0x0030:  2e00 0100 0104 3132 3334 3536 3738 3930
            0x0040:  6162 6364 6500 0100 0209 3031 3233 3435
            0x0050:  3637 3839 6162 6364 6566 3031 3233 3435
            0x0060:  3637 3839 6162 6364 6566 3000 0000 0100
            0x0070:  0303 3031 3233 3435 3637 3839 0000 6294
            0x0080:  7530 e18f 26ed 54f8 c428 0800 4500 003c
            0x0090:  62df 4000 4006 8871 0a00 00e2 5fd9 e4b0
            0x00a0:  98b0 0050 91ea d1c9 0000 0000 a002 fd5c
            0x00b0:  4f9a 0000 0204 0582 0402 080a d226 2468
            0x00c0:  0000 0000 0103 0307
            """);
        AssertSegment(decoded, "10.0.0.226", 39088, "95.217.228.176", 80, TcpFlags.Syn, 2448085449);
        Assert.Equal(ChecksumStatus.Invalid, decoded.Segment.Checksum);
        Assert.Equal(1410, decoded.Segment.Options.Mss);
    }

    [Fact]
    public void Geneve_ManyOptions_InnerChecksumCorrect()
    {
        // tunnels__geneve-many-options.pcap #2
        //   95.217.228.176.80 > 10.0.0.226.39088: Flags [S.], cksum 0x57b3 (correct), seq 3621024923, ack 2448085450
        var decoded = Decode("""
            0x0000:  72c4 9448 56a8 0011 2233 4455 0800 4500
            0x0010:  00ba 0000 0000 4011 240e c0a8 21b3 c0a8
            0x0020:  b321 1a0b 17c1 00a6 3005 1300 6558 0c01
            0x0030:  2e00 0100 0104 3132 3334 3536 3738 3930
            0x0040:  6162 6364 6500 0100 0209 3031 3233 3435
            0x0050:  3637 3839 6162 6364 6566 3031 3233 3435
            0x0060:  3637 3839 6162 6364 6566 3000 0000 0100
            0x0070:  0303 3031 3233 3435 3637 3839 0000 26ed
            0x0080:  54f8 c428 6294 7530 e18f 0800 4500 003c
            0x0090:  0000 4000 2906 0251 5fd9 e4b0 0a00 00e2
            0x00a0:  0050 98b0 d7d4 749b 91ea d1ca a012 fe88
            0x00b0:  57b3 0000 0204 05b4 0402 080a 052e 5d65
            0x00c0:  d226 2468 0103 0307
            """);
        AssertSegment(decoded, "95.217.228.176", 80, "10.0.0.226", 39088, TcpFlags.Syn | TcpFlags.Ack, 3621024923);
        Assert.Equal(2448085450u, decoded.Segment.Acknowledgment);
        Assert.Equal(41, decoded.Segment.Ttl);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void GtpU_SynInsideGPdu()
    {
        // tunnels__gtp__gtp1_gn_normal_incl_fragmentation.pcap #1
        // 239.114.155.111.2152 > 63.94.149.181.2152: UDP, length 60 (GTPv1 G-PDU, TEID 0x8c61be36)
        //   inner: 10.131.47.185.1923 > 79.101.110.141.80 SYN, seq 0xcd6c69b7, mss 1460
        var decoded = Decode("""
            0x0000:  0000 0c07 ace8 88e0 f3c8 bff0 0800 4500
            0x0010:  0058 0000 0000 3d11 1da0 ef72 9b6f 3f5e
            0x0020:  95b5 0868 0868 0044 0b2a 30ff 0034 8c61
            0x0030:  be36 4500 0034 5265 4000 8006 b030 0a83
            0x0040:  2fb9 4f65 6e8d 0783 0050 cd6c 69b7 0000
            0x0050:  0000 8002 ffff 37f2 0000 0204 05b4 0103
            0x0060:  0301 0101 0402
            """);
        AssertSegment(decoded, "10.131.47.185", 1923, "79.101.110.141", 80, TcpFlags.Syn, 0xcd6c69b7);
        Assert.Equal(128, decoded.Segment.Ttl);
        Assert.Equal(1, decoded.Segment.TunnelDepth);
        Assert.Equal(1460, decoded.Segment.Options.Mss);
        Assert.True(decoded.Segment.Options.SackPermitted);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void GtpU_FirstFragmentOfTheOuterPacket_DecodesTheInnerSegment()
    {
        // #4: 239.114.155.111.2152 > 63.94.149.181.2152: UDP, length 1488, outer IP id 11505 flags [+] (1514-byte frame).
        // The real headers are kept; the HTTP payload after them is replaced by zeros, which the decoder never reads.
        var headers = FromTcpdump("""
            0x0000:  0000 0c07 ace8 88e0 f3c8 bff0 0800 4500
            0x0010:  05dc 2cf1 2000 3d11 cb2a ef72 9b6f 3f5e
            0x0020:  95b5 0868 0868 05d8 a665 30ff 05c8 8c61
            0x0030:  be36 4500 05c8 5267 4000 8006 aa9a 0a83
            0x0040:  2fb9 4f65 6e8d 0783 0050 cd6c 69b8 6fc3
            0x0050:  5494 5010 fdca de1c 0000
            """);
        var frame = Concat(headers, new byte[1514 - headers.Length]);
        var accounting = new FrameAccounting();

        var outcome = Ipv4Tests.DecodeWithAccounting(frame, accounting, out var segment);

        Assert.Equal(DecodeOutcome.Tcp, outcome);
        Assert.Equal("10.131.47.185", segment.Source.ToString());
        Assert.Equal(TcpFlags.Ack, segment.Flags);
        Assert.Equal(0x6fc35494u, segment.Acknowledgment);
        Assert.Equal(1440, segment.PayloadLength);
        Assert.Equal(1514 - 90, segment.CapturedPayloadLength);
        Assert.Equal(ChecksumStatus.NotVerified, segment.Checksum);
        Assert.Equal(1, accounting.IpFragments);
    }

    [Fact]
    public void GtpU_SecondFragment_IsNonFirstFragment()
    {
        // #5: 239.114.155.111 > 63.94.149.181: ip-proto-17, id 11505, offset 1480
        var decoded = Decode("""
            0x0000:  0000 0c07 ace8 88e0 f3c8 bff0 0800 4500
            0x0010:  0024 2cf1 00b9 3d11 f029 ef72 9b6f 3f5e
            0x0020:  95b5 516e 5a48 5533 6470 5348 4631 5a33
            0x0030:  4d4c 0000 0000 0000 0000 0000
            """);
        Assert.Equal(DecodeOutcome.NonFirstFragment, decoded.Outcome);
    }

    [Fact]
    public void Gre_CarryingIcmp_IsOtherProtocol()
    {
        // tunnels__gre-sample.pcap #1: 172.27.1.66 > 66.59.109.137: GREv0, length 88: IP 66.59.111.190 > 172.28.2.3: ICMP echo request
        var decoded = Decode("""
            0x0000:  00c0 ca14 b052 0002 2d56 4afd 0800 4500
            0x0010:  006c 0000 4000 ff2f 1e41 ac1b 0142 423b
            0x0020:  6d89 0000 0800 4500 0054 0000 4000 4001
            0x0030:  da90 423b 6fbe ac1c 0203 0800 46c9 cb68
            0x0040:  0100 7072 e63e 9719 0c00 0809 0a0b 0c0d
            0x0050:  0e0f 1011 1213 1415 1617 1819 1a1b 1c1d
            0x0060:  1e1f 2021 2223 2425 2627 2829 2a2b 2c2d
            0x0070:  2e2f 3031 3233 3435 3637
            """);
        Assert.Equal(DecodeOutcome.OtherProtocol, decoded.Outcome);

        // The same frame with the inner protocol changed to 6 shows the tunnel was walked: the ICMP bytes are now a
        // (meaningless) TCP header between the inner addresses.
        var asTcp = Patch8(FromTcpdump("""
            0x0000:  00c0 ca14 b052 0002 2d56 4afd 0800 4500
            0x0010:  006c 0000 4000 ff2f 1e41 ac1b 0142 423b
            0x0020:  6d89 0000 0800 4500 0054 0000 4000 4001
            0x0030:  da90 423b 6fbe ac1c 0203 5000 46c9 cb68
            0x0040:  0100 7072 e63e 9719 5000 0809 0a0b 0c0d
            0x0050:  0e0f 1011 1213 1415 1617 1819 1a1b 1c1d
            0x0060:  1e1f 2021 2223 2425 2627 2829 2a2b 2c2d
            0x0070:  2e2f 3031 3233 3435 3637
            """), 0x2f, 6);
        var walked = Decoded.Of(asTcp);
        Assert.Equal(DecodeOutcome.Tcp, walked.Outcome);
        Assert.Equal("66.59.111.190", walked.Source);
        Assert.Equal("172.28.2.3", walked.Destination);
        Assert.Equal(1, walked.Segment.TunnelDepth);
    }

    [Fact]
    public void GreOverUdp_CarryingDns_IsOtherProtocol()
    {
        // tunnels__gre-over-udp-4754.pcap #1: 192.168.0.107.50343 > 192.168.5.1.4754, GRE 0x0800, IP 172.17.0.2.51714 > 1.1.1.1.53
        var decoded = Decode("""
            0x0000:  0000 0000 0000 0000 0000 0000 0800 4500
            0x0010:  0056 b275 4000 4011 0165 c0a8 006b c0a8
            0x0020:  0501 c4a7 1292 0042 0000 0000 0800 4500
            0x0030:  0036 47be 4000 4011 44e4 ac11 0002 0101
            0x0040:  0101 ca02 0035 0022 e19f f964 0100 0001
            0x0050:  0000 0000 0000 047a 6565 6b03 6f72 6700
            0x0060:  0001 0001
            """);
        Assert.Equal(DecodeOutcome.OtherProtocol, decoded.Outcome);
    }

    [Theory]
    [InlineData("""
        0x0000:  001d 5adc cff1 0016 cf41 9c20 0800 4500
        0x0010:  0069 87c3 0000 8011 1081 c0a8 0210 4137
        0x0020:  9e50 0ed5 0dd8 0055 5979 0001 0000 cd56
        0x0030:  6940 0b22 df88 0060 0000 0000 183a fffe
        0x0040:  8000 0000 0000 0080 00ff ffff ffff fdff
        0x0050:  0200 0000 0000 0000 0000 0000 0000 0285
        0x0060:  00a9 1d00 0000 0001 0200 0000 0000 0080
        0x0070:  00f1 2ab9 c828 15
        """)]
    [InlineData("""
        0x0000:  0016 cf41 9c20 001d 5adc cff1 0800 4500
        0x0010:  0089 39b0 0000 7011 6e73 4137 9e51 c0a8
        0x0020:  0210 0dd8 0ed5 0075 5065 0001 0000 cd56
        0x0030:  6940 0b22 df88 0000 00f1 2ab9 c828 1560
        0x0040:  0000 0000 303a fffe 8000 0000 0000 0080
        0x0050:  00f2 27be c861 affe 8000 0000 0000 0080
        0x0060:  00ff ffff ffff fd86 001f 5700 0000 0000
        0x0070:  0000 0000 0007 d003 0440 40ff ffff ffff
        0x0080:  ffff ff00 0000 0020 0100 0041 379e 5000
        0x0090:  0000 0000 0000 00
        """)]
    public void Teredo_QualificationCarryingIcmpv6_IsOtherProtocol(string dump)
    {
        // tunnels__teredo_bubble_with_payload.pcap #1 (authentication) and #2 (authentication + origin indication),
        // both router solicitation/advertisement (ICMPv6). Patching the innermost next header to TCP shows the walk
        // reached the IPv6 header: the outcome turns into a TCP decode attempt instead of another protocol.
        var frame = FromTcpdump(dump);
        Assert.Equal(DecodeOutcome.OtherProtocol, Decoded.Of(frame).Outcome);
        int nextHeaderOffset = Array.IndexOf(frame, (byte)0x3a, 0x37);
        Assert.NotEqual(DecodeOutcome.OtherProtocol, Decoded.Of(Patch8(frame, nextHeaderOffset, 6)).Outcome);
    }

    [Fact]
    public void MplsInVlan_HeadersOnly_AsASnaplenCut()
    {
        // mpls-in-vlan.pcap #2 (1522 bytes on the wire), first 112 bytes kept as a snapshot length would:
        // vlan 0, MPLS (label 16106, [S], ttl 44) IP 65.65.65.65.80 > 65.65.65.65.32828: Flags [.],
        //   seq 408724638:408726086, ack 2687550607, win 54, options [nop,nop,TS val 797945019 ecr 521170468], length 1448
        var decoded = Decode("""
            0x0000:  0008 e341 4141 0008 e341 4141 8100 0000
            0x0010:  8847 03ee a12c 4500 05dc 3970 4000 3006
            0x0020:  5044 4141 4141 4141 4141 0050 803c 185c
            0x0030:  a49e a030 c48f 8010 0036 3685 0000 0101
            0x0040:  080a 2f8f acbb 1f10 6e24 4141 4141 4141
            0x0050:  4141 4141 4141 4141 4141 4141 4141 4141
            0x0060:  4141 4141 4141 4141 4141 4141 4141 4141
            """, originalLength: 1522);
        AssertSegment(decoded, "65.65.65.65", 80, "65.65.65.65", 32828, TcpFlags.Ack, 408724638);
        Assert.Equal(2687550607u, decoded.Segment.Acknowledgment);
        Assert.Equal(1448, decoded.Segment.PayloadLength);
        Assert.Equal(112 - 74, decoded.Segment.CapturedPayloadLength);
        Assert.Equal(ChecksumStatus.NotVerified, decoded.Segment.Checksum);
        Assert.Equal(797945019u, decoded.Segment.Options.TimestampValue);
        Assert.Equal(0, decoded.Segment.VlanId);
    }

    [Fact]
    public void Mpls_TelnetSyn()
    {
        // mixed-vlan-mpls.pcap #1: MPLS (label 29, tc 6, [S], ttl 255)
        //   10.1.2.1.11001 > 10.34.0.1.23: Flags [S], cksum 0xa240 (correct), seq 2553417723, win 4128, options [mss 536]
        var decoded = Decode("""
            0x0000:  0030 96e6 fc39 0030 9605 2838 8847 0001
            0x0010:  ddff 45c0 002c 0000 0000 ff06 a4e7 0a01
            0x0020:  0201 0a22 0001 2af9 0017 9832 0ffb 0000
            0x0030:  0000 6002 1020 a240 0000 0204 0218
            """);
        AssertSegment(decoded, "10.1.2.1", 11001, "10.34.0.1", 23, TcpFlags.Syn, 2553417723);
        Assert.Equal(536, decoded.Segment.Options.Mss);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void ProviderBackboneBridge_CarryingOspf_IsOtherProtocol()
    {
        // pbb.pcap #3: vlan 4052, p 7, ethertype 0x88e7, I-SID 0x1ebb4d, customer frame IPv4 proto 89 (OSPF)
        var decoded = Decode("""
            0x0000:  c300 3d1e bb4d 02cc cc00 3d00 8100 efd4
            0x0010:  88e7 001e bb4d 0100 5e00 0005 001c ebab
            0x0020:  c208 0800 45e0 004c 8ad8 0000 0159 5050
            0x0030:  0ac7 f284 e000 0005 0201 0038 ebab c265
            0x0040:  0000 0000 bbb3 0000 0000 0000 0000 0000
            0x0050:  ffff fff8 000a 0201 0000 0028 0ac7 f283
            0x0060:  0ac7 f284 ebaa b265 ebaf 5265 e8b2 d265
            """);
        Assert.Equal(DecodeOutcome.OtherProtocol, decoded.Outcome);

        // With the customer frame's protocol made TCP, the walk lands on the customer's IPv4 addresses.
        var asTcp = Decoded.Of(Patch8(FromTcpdump("""
            0x0000:  c300 3d1e bb4d 02cc cc00 3d00 8100 efd4
            0x0010:  88e7 001e bb4d 0100 5e00 0005 001c ebab
            0x0020:  c208 0800 45e0 004c 8ad8 0000 0159 5050
            0x0030:  0ac7 f284 e000 0005 5201 0038 ebab c265
            0x0040:  0000 0000 bbb3 0000 0000 0000 0000 0000
            0x0050:  ffff fff8 000a 0201 0000 0028 0ac7 f283
            0x0060:  0ac7 f284 ebaa b265 ebaf 5265 e8b2 d265
            """), 0x2d, 6));
        Assert.Equal(DecodeOutcome.Tcp, asTcp.Outcome);
        Assert.Equal("10.199.242.132", asTcp.Source);
        Assert.Equal("224.0.0.5", asTcp.Destination);
        Assert.Equal(4052, asTcp.Segment.VlanId);
    }

    [Fact]
    public void FabricPath_Ipv4Syn()
    {
        // cisco-fabric-path.pcap #34: ethertype 0x8903, then 1.1.1.6.57005 > 2.2.2.2.48879: Flags [S], seq 0, win 8192
        var decoded = Decode("""
            0x0000:  15e9 fd9c 8100 424f cb82 ac6a 8903 0000
            0x0010:  9998 cf73 89eb 8290 70bf 47a7 0800 4500
            0x0020:  0028 0001 0000 4006 74c5 0101 0106 0202
            0x0030:  0202 dead beef 0000 0000 0000 0000 5002
            0x0040:  2000 ec3a 0000
            """);
        AssertSegment(decoded, "1.1.1.6", 57005, "2.2.2.2", 48879, TcpFlags.Syn, 0);
        Assert.Equal(8192, decoded.Segment.Window);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void FabricPath_Ipv6Syn()
    {
        // cisco-fabric-path.pcap #50: ethertype 0x8903, then 1234::e.57005 > 5678::.48879: Flags [S]
        var decoded = Decode("""
            0x0000:  d7c6 ac74 6700 c468 0683 a15b 8903 0000
            0x0010:  b942 206f 55a2 b0b0 ba53 c543 86dd 6000
            0x0020:  0000 0014 0640 1234 0000 0000 0000 0000
            0x0030:  0000 0000 000e 5678 0000 0000 0000 0000
            0x0040:  0000 0000 0000 dead beef 0000 0000 0000
            0x0050:  0000 5002 2000 898b 0000
            """);
        AssertSegment(decoded, "1234::e", 57005, "5678::", 48879, TcpFlags.Syn, 0);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void VnTagVlanSandwich_CutInsideTheTcpOptions_IsTruncated()
    {
        // vntag_vlan_sandwich_clean.pcap #1: captured 70 of 88 bytes. vlan 250, VN-Tag, vlan 250, IPv4
        // 10.10.10.1.443 > 10.10.10.2.56960 SYN-ACK with a 40-byte TCP header, of which 22 bytes were captured.
        const string dump = """
            0x0000:  0000 0000 0002 0000 0000 0001 8100 00fa
            0x0010:  8926 0000 0033 8100 00fa 0800 4500 003c
            0x0020:  0000 4000 3a06 8248 0a0a 0a01 0a0a 0a02
            0x0030:  01bb de80 26dc f281 7b67 833f a012 ffff
            0x0040:  6fb5 0000 0204
            """;
        Assert.Equal(DecodeOutcome.TruncatedBySnaplen, Decode(dump, originalLength: 88).Outcome);

        // Had the data offset said 20 bytes, the same captured bytes would be a whole header.
        var shortHeader = Decoded.Of(Patch8(FromTcpdump(dump), 0x3c, 0x52), originalLength: 88);
        AssertSegment(shortHeader, "10.10.10.1", 443, "10.10.10.2", 56960, TcpFlags.Syn | TcpFlags.Ack, 0x26dcf281);
        Assert.Equal(250, shortHeader.Segment.VlanId);
        Assert.Equal(20, shortHeader.Segment.PayloadLength);
        Assert.Equal(2, shortHeader.Segment.CapturedPayloadLength);
    }

    [Fact]
    public void BsdNull_LittleEndianIpv4_LoopbackWithOffloadedChecksum()
    {
        // tls__pop3-starttls.pcap #1 (LINKTYPE_NULL, AF 2 little-endian)
        // 192.168.4.149.54775 > 192.168.4.149.110: Flags [S], cksum 0x8aad (incorrect -> 0x09cd), seq 3477461263
        var decoded = Decode("""
            0x0000:  0200 0000 4500 0040 2dfd 4000 4006 0000
            0x0010:  c0a8 0495 c0a8 0495 d5f7 006e cf45 d90f
            0x0020:  0000 0000 b002 ffff 8aad 0000 0204 3fd8
            0x0030:  0103 0304 0101 080a 3de8 abee 0000 0000
            0x0040:  0402 0000
            """, LinkType.Null);
        AssertSegment(decoded, "192.168.4.149", 54775, "192.168.4.149", 110, TcpFlags.Syn, 3477461263);
        Assert.Equal(16344, decoded.Segment.Options.Mss);
        Assert.Equal(4, decoded.Segment.Options.WindowScale);
        Assert.Equal(ChecksumStatus.Invalid, decoded.Segment.Checksum);
    }

    [Fact]
    public void BsdNull_DarwinIpv6()
    {
        // http__connect-with-header.pcap #1 (LINKTYPE_NULL, AF 30 = Darwin's AF_INET6)
        // IP6 ::1.52522 > ::1.80: Flags [S], cksum 0x0034 (incorrect -> 0xbdad), seq 1321751229, win 65535
        var decoded = Decode("""
            0x0000:  1e00 0000 6000 d08d 002c 0640 0000 0000
            0x0010:  0000 0000 0000 0000 0000 0001 0000 0000
            0x0020:  0000 0000 0000 0000 0000 0001 cd2a 0050
            0x0030:  4ec8 52bd 0000 0000 b002 ffff 0034 0000
            0x0040:  0204 3fc4 0103 0305 0101 080a 49b8 8685
            0x0050:  0000 0000 0402 0000
            """, LinkType.Null);
        AssertSegment(decoded, "::1", 52522, "::1", 80, TcpFlags.Syn, 1321751229);
        Assert.Equal(6, decoded.Segment.IpVersion);
        Assert.Equal(64, decoded.Segment.Ttl);
        Assert.Equal(ChecksumStatus.Invalid, decoded.Segment.Checksum);
    }

    [Fact]
    public void LinuxSll_SynAck()
    {
        // tls__irc-starttls.pcap #2 (LINKTYPE_LINUX_SLL)
        // 185.18.76.170.6667 > 203.143.168.47.55123: Flags [S.], cksum 0xd4ea (correct), seq 3519432067, ack 1130049456
        var decoded = Decode("""
            0x0000:  0000 0001 0006 001c b023 9040 0000 0800
            0x0010:  4500 003c 0000 4000 2806 d940 b912 4caa
            0x0020:  cb8f a82f 1a0b d753 d1c6 4583 435b 2fb0
            0x0030:  a012 1c48 d4ea 0000 0204 05b4 0402 080a
            0x0040:  17a8 964d 0033 b36b 0103 0300
            """, LinkType.LinuxSll);
        AssertSegment(decoded, "185.18.76.170", 6667, "203.143.168.47", 55123, TcpFlags.Syn | TcpFlags.Ack, 3519432067);
        Assert.Equal(1130049456u, decoded.Segment.Acknowledgment);
        Assert.Equal(7240, decoded.Segment.Window);
        Assert.Equal(0, decoded.Segment.Options.WindowScale);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void LinkTypeIpv4_Syn()
    {
        // tcp-syslog.pcap #1 (LINKTYPE_IPV4, 228)
        // 192.168.1.1.12345 > 192.168.1.2.514: Flags [S], cksum 0xd66b (correct), seq 1000, win 8192, length 0
        var bytes = FromTcpdump("""
            0x0000:  4500 0028 0001 0000 4006 f77b c0a8 0101
            0x0010:  c0a8 0102 3039 0202 0000 03e8 0000 0000
            0x0020:  5002 2000 d66b 0000
            """);
        var decoded = Decoded.Of(bytes, LinkType.Ipv4);
        AssertSegment(decoded, "192.168.1.1", 12345, "192.168.1.2", 514, TcpFlags.Syn, 1000);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);

        // The same bytes as LINKTYPE_RAW (101) decode the same way.
        AssertSegment(Decoded.Of(bytes, LinkType.Raw), "192.168.1.1", 12345, "192.168.1.2", 514, TcpFlags.Syn, 1000);
    }
}
