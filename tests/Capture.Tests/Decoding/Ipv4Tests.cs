using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

public class Ipv4Tests
{
    private static readonly byte[] Payload = "hello, world"u8.ToArray();
    private static readonly byte[] Segment = Tcp(flags: TcpFlags.Psh | TcpFlags.Ack, payload: Payload);

    private static Decoded DecodeEthernet(byte[] ipv4, int? capturedLength = null, int? originalLength = null) =>
        Decoded.Of(Ethernet(0x0800, ipv4), capturedLength: capturedLength, originalLength: originalLength);

    [Fact]
    public void Options_AreSkipped()
    {
        var ipv4 = Ipv4(6, Segment, options: Hex("01010101 07070400 00000000"), ttl: 17);
        var decoded = DecodeEthernet(ipv4);
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(80, decoded.Segment.DestinationPort);
        Assert.Equal(Payload.Length, decoded.Segment.PayloadLength);
        Assert.Equal(17, decoded.Segment.Ttl);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void HeaderLengthBelowFive_IsMalformed(int words) =>
        Assert.Equal(MalformedReason.Ipv4HeaderLength, DecodeEthernet(Ipv4(6, Segment, headerLengthWords: words)).Reason);

    [Fact]
    public void HeaderLongerThanACompleteFrame_IsMalformedByItsTotalLength()
    {
        // IHL 15 (60 bytes) and a total length that allows it, but the frame ends after 30 bytes.
        var ipv4 = Ipv4(6, [], headerLengthWords: 15, totalLength: 60)[..20];
        var decoded = Decoded.Of(Concat(ipv4, new byte[10]), LinkType.Raw);
        Assert.Equal(MalformedReason.Ipv4TotalLength, decoded.Reason);
    }

    [Fact]
    public void TotalLength_SmallerThanHeader_IsMalformed() =>
        Assert.Equal(MalformedReason.Ipv4TotalLength, DecodeEthernet(Ipv4(6, Segment, totalLength: 19)).Reason);

    [Fact]
    public void TotalLengthZero_IsMalformed_WhenVerifyingChecksums() =>
        Assert.Equal(MalformedReason.Ipv4TotalLength, DecodeEthernet(Ipv4(6, Segment, totalLength: 0)).Reason);

    [Fact]
    public void TotalLengthZero_FromSegmentationOffload_TakesTheFrameLength_WhenChecksumsAreIgnored()
    {
        // ldap__missing_ldap_logs.pcapng #4 (Zeek corpus), a 1862-byte TSO packet captured on the sending host, with
        // IP total length 0 and IP/TCP checksums not yet filled in (tcpdump: "IP bad-len 0"). Its real headers are
        // kept and the 1808-byte LDAP payload is replaced by zeros.
        var headers = FromTcpdump("""
            0x0000:  000c 293e 3cb8 000c 2925 18e5 0800 4500
            0x0010:  0000 c865 4000 8006 0000 0ac7 0279 0ac7
            0x0020:  026f e7bf 0185 212f 1f5f 1022 c29f 5018
            0x0030:  2014 1a7c 0000
            """);
        var frame = Concat(headers, new byte[1862 - headers.Length]);

        var decoded = Decoded.Of(frame, options: new DecoderOptions { VerifyChecksums = false });

        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal("10.199.2.121", decoded.Source);
        Assert.Equal(59327, decoded.Segment.SourcePort);
        Assert.Equal(389, decoded.Segment.DestinationPort);
        Assert.Equal(0x212f1f5fu, decoded.Segment.Sequence);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, decoded.Segment.Flags);
        Assert.Equal(1808, decoded.Segment.PayloadLength);
        Assert.Equal(1808, decoded.Segment.CapturedPayloadLength);
        Assert.Equal(MalformedReason.Ipv4TotalLength, Decoded.Of(frame).Reason);
    }

    [Fact]
    public void TotalLength_LargerThanACompleteFrame_IsMalformed()
    {
        var decoded = DecodeEthernet(Ipv4(6, Segment, totalLength: 20 + Segment.Length + 1));
        Assert.Equal(DecodeOutcome.Malformed, decoded.Outcome);
        Assert.Equal(MalformedReason.Ipv4TotalLength, decoded.Reason);
    }

    [Fact]
    public void TotalLength_LargerThanCaptured_WhenSnaplenCut_IsTcpWithTruncatedPayload()
    {
        var frame = Ethernet(0x0800, Ipv4(6, Segment));
        var decoded = Decoded.Of(frame, capturedLength: frame.Length - 5);
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(Payload.Length, decoded.Segment.PayloadLength);
        Assert.Equal(Payload.Length - 5, decoded.Segment.CapturedPayloadLength);
        Assert.Equal(ChecksumStatus.NotVerified, decoded.Segment.Checksum);
    }

    [Fact]
    public void TotalLength_BeyondEvenTheWireLength_IsMalformedEvenWhenSnaplenCut()
    {
        var frame = Ethernet(0x0800, Ipv4(6, Segment, totalLength: 1500));
        var decoded = Decoded.Of(frame, capturedLength: 40);
        Assert.Equal(MalformedReason.Ipv4TotalLength, decoded.Reason);
    }

    [Fact]
    public void HeaderCutBySnaplen_IsTruncated()
    {
        var frame = Ethernet(0x0800, Ipv4(6, Segment));
        Assert.Equal(DecodeOutcome.TruncatedBySnaplen, Decoded.Of(frame, capturedLength: 14 + 12).Outcome);
    }

    [Fact]
    public void HeaderShorterThanTwentyBytes_InACompleteFrame_IsMalformed() =>
        Assert.Equal(MalformedReason.IpHeaderTooShort, Decoded.Of(Ipv4(6, Segment)[..16], LinkType.Raw).Reason);

    [Fact]
    public void EthernetPadding_IsIgnored()
    {
        var ack = Tcp(flags: TcpFlags.Ack, sequence: 5, acknowledgment: 9);
        var frame = Concat(Ethernet(0x0800, Ipv4(6, ack)), Hex("000000000000"), Hex("deadbeef")); // padding, FCS
        var decoded = Decoded.Of(frame);
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(0, decoded.Segment.PayloadLength);
        Assert.Equal(0, decoded.Segment.CapturedPayloadLength);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void FirstFragment_IsDecodedWithoutChecksum()
    {
        var frame = Ethernet(0x0800, Ipv4(6, Segment, flagsAndFragmentOffset: 0x2000));
        var accounting = new FrameAccounting();
        var outcome = DecodeWithAccounting(frame, accounting, out var segment);
        Assert.Equal(DecodeOutcome.Tcp, outcome);
        Assert.Equal(ChecksumStatus.NotVerified, segment.Checksum);
        Assert.Equal(Payload.Length, segment.PayloadLength);
        Assert.Equal(1, accounting.IpFragments);
        Assert.Equal(0, accounting.TcpPayloadTruncated);
    }

    [Theory]
    [InlineData(0x0001)] // offset 8 bytes, last fragment
    [InlineData(0x2010)] // offset 128 bytes, more to come
    public void NonFirstFragment_IsCountedAndSkipped(int flagsAndOffset)
    {
        var frame = Ethernet(0x0800, Ipv4(6, Segment, flagsAndFragmentOffset: (ushort)flagsAndOffset));
        var accounting = new FrameAccounting();
        Assert.Equal(DecodeOutcome.NonFirstFragment, DecodeWithAccounting(frame, accounting, out _));
        Assert.Equal(1, accounting.IpFragments);
    }

    [Fact]
    public void DontFragmentFlag_IsNotAFragment()
    {
        var frame = Ethernet(0x0800, Ipv4(6, Segment, flagsAndFragmentOffset: 0x4000));
        var accounting = new FrameAccounting();
        DecodeWithAccounting(frame, accounting, out var segment);
        Assert.Equal(0, accounting.IpFragments);
        Assert.Equal(ChecksumStatus.Valid, segment.Checksum);
    }

    [Fact]
    public void TinyFirstFragment_WithTcpHeaderSplit_IsMalformed()
    {
        // RFC 1858: a first fragment holding only part of the TCP header.
        var ipv4 = Ipv4(6, Segment[..12], flagsAndFragmentOffset: 0x2000, fillTcpChecksum: false);
        var decoded = DecodeEthernet(ipv4);
        Assert.Equal(MalformedReason.FirstFragmentTooShort, decoded.Reason);
    }

    [Fact]
    public void Udp_And_Icmp_AreOtherProtocols()
    {
        Assert.Equal(DecodeOutcome.OtherProtocol, DecodeEthernet(Ipv4(17, Udp(5353, 53, Payload))).Outcome);
        Assert.Equal(DecodeOutcome.OtherProtocol, DecodeEthernet(Ipv4(1, Hex("0800f7ff00000000"))).Outcome);
    }

    internal static DecodeOutcome DecodeWithAccounting(byte[] bytes, FrameAccounting accounting, out TcpSegment segment,
        LinkType linkType = LinkType.Ethernet, int? capturedLength = null)
    {
        var frame = new Frame(bytes.AsSpan(0, capturedLength ?? bytes.Length), bytes.Length, Decoded.Timestamp, linkType);
        return new FrameDecoder().Decode(frame, accounting, out segment);
    }
}
