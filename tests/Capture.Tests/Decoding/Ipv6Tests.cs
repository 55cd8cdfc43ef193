using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

public class Ipv6Tests
{
    private const byte HopByHop = 0, Tcp6 = 6, Routing = 43, Fragment = 44, Esp = 50, Ah = 51, NoNext = 59,
        DestinationOptions = 60, Mobility = 135, Hip = 139, Shim6 = 140, Experiment1 = 253, Experiment2 = 254;

    private static readonly byte[] Payload = "GET / HTTP/1.1\r\n"u8.ToArray();
    private static readonly byte[] Segment = Tcp(flags: TcpFlags.Psh | TcpFlags.Ack, payload: Payload);

    private static Decoded DecodeIpv6(byte[] ipv6, int? capturedLength = null) =>
        Decoded.Of(ipv6, LinkType.Ipv6, capturedLength: capturedLength);

    [Fact]
    public void HopByHop_DestinationOptions_AndAtomicFragment_AreWalked()
    {
        var extensions = Concat(
            Ipv6Extension(DestinationOptions, 1), Ipv6Extension(Fragment), Ipv6Fragment(Tcp6, 0, false));
        var decoded = DecodeIpv6(Ipv6(Tcp6, Segment, extensions, firstNextHeader: HopByHop, hopLimit: 3));
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(Payload.Length, decoded.Segment.PayloadLength);
        Assert.Equal(3, decoded.Segment.Ttl);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Theory]
    [InlineData(Mobility)]
    [InlineData(Hip)]
    [InlineData(Shim6)]
    [InlineData(Experiment1)]
    [InlineData(Experiment2)]
    [InlineData(DestinationOptions)]
    public void GenericExtensionHeaders_AreSkippedByTheirLength(byte kind)
    {
        var decoded = DecodeIpv6(Ipv6(Tcp6, Segment, Ipv6Extension(Tcp6, 2), firstNextHeader: kind));
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void AuthenticationHeader_LengthIsInFourByteUnitsPlusTwo()
    {
        var decoded = DecodeIpv6(Ipv6(Tcp6, Segment, AuthenticationHeader(Tcp6, 4), firstNextHeader: Ah));
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(80, decoded.Segment.DestinationPort);
    }

    [Fact]
    public void FirstFragment_IsDecodedWithoutChecksum_AndCounted()
    {
        var ipv6 = Ipv6(Tcp6, Segment, Ipv6Fragment(Tcp6, 0, true), firstNextHeader: Fragment);
        var accounting = new FrameAccounting();
        Assert.Equal(DecodeOutcome.Tcp, Ipv4Tests.DecodeWithAccounting(ipv6, accounting, out var segment, LinkType.Ipv6));
        Assert.Equal(ChecksumStatus.NotVerified, segment.Checksum);
        Assert.Equal(1, accounting.IpFragments);
    }

    [Fact]
    public void NonFirstFragment_IsCountedAndSkipped()
    {
        var ipv6 = Ipv6(Tcp6, Payload, Ipv6Fragment(Tcp6, 185, false), firstNextHeader: Fragment);
        var accounting = new FrameAccounting();
        Assert.Equal(DecodeOutcome.NonFirstFragment, Ipv4Tests.DecodeWithAccounting(ipv6, accounting, out _, LinkType.Ipv6));
        Assert.Equal(1, accounting.IpFragments);
    }

    [Fact]
    public void RoutingHeaderWithSegmentsLeft_LeavesChecksumUnverified()
    {
        // RFC 8200 §8.1: the pseudo-header then uses the final destination, which is not in the IPv6 header.
        var pending = DecodeIpv6(Ipv6(Tcp6, Segment, Ipv6Routing(Tcp6, 1), firstNextHeader: Routing));
        Assert.Equal(ChecksumStatus.NotVerified, pending.Segment.Checksum);
        var done = DecodeIpv6(Ipv6(Tcp6, Segment, Ipv6Routing(Tcp6, 0), firstNextHeader: Routing));
        Assert.Equal(ChecksumStatus.Valid, done.Segment.Checksum);
    }

    [Fact]
    public void OverlongChain_IsMalformed()
    {
        var chain = Enumerable.Range(0, 20).SelectMany(_ => Ipv6Extension(DestinationOptions)).ToArray();
        chain[^8] = Tcp6;
        var decoded = DecodeIpv6(Ipv6(Tcp6, Segment, chain, firstNextHeader: DestinationOptions));
        Assert.Equal(MalformedReason.Ipv6ExtensionHeader, decoded.Reason);
    }

    [Fact]
    public void ChainAtTheLimit_IsDecoded()
    {
        var chain = Enumerable.Range(0, DecoderLimits.MaxIpv6ExtensionHeaders)
            .SelectMany(_ => Ipv6Extension(DestinationOptions)).ToArray();
        chain[^8] = Tcp6;
        var decoded = DecodeIpv6(Ipv6(Tcp6, Segment, chain, firstNextHeader: DestinationOptions));
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
    }

    [Fact]
    public void ChainRunningOffTheEnd_IsMalformed()
    {
        // The destination options header's length byte (offset 41) claims 8 * (1 + 200) bytes in an 8-byte payload.
        var ipv6 = Ipv6(Tcp6, [], Ipv6Extension(Tcp6), firstNextHeader: DestinationOptions);
        var decoded = DecodeIpv6(Patch8(ipv6, 41, 200));
        Assert.Equal(MalformedReason.Ipv6ExtensionHeader, decoded.Reason);
    }

    [Fact]
    public void ChainRunningOffTheEnd_IsMalformedEvenWhenSnaplenCut()
    {
        var ipv6 = Patch8(Ipv6(Tcp6, Segment, Ipv6Extension(Tcp6), firstNextHeader: DestinationOptions), 41, 200);
        Assert.Equal(MalformedReason.Ipv6ExtensionHeader, DecodeIpv6(ipv6, capturedLength: 60).Reason);
    }

    [Fact]
    public void ChainCutBySnaplen_IsTruncated()
    {
        var ipv6 = Ipv6(Tcp6, Segment, Ipv6Extension(Tcp6, 3), firstNextHeader: HopByHop);
        Assert.Equal(DecodeOutcome.TruncatedBySnaplen, DecodeIpv6(ipv6, capturedLength: 50).Outcome);
    }

    [Theory]
    [InlineData(NoNext)]
    [InlineData(Esp)]
    [InlineData(58)] // ICMPv6
    public void NoNextHeader_Esp_AndIcmpv6_AreOtherProtocols(byte nextHeader) =>
        Assert.Equal(DecodeOutcome.OtherProtocol, DecodeIpv6(Ipv6(nextHeader, new byte[16])).Outcome);

    [Fact]
    public void PayloadLength_LargerThanACompleteFrame_IsMalformed() =>
        Assert.Equal(MalformedReason.Ipv6PayloadLength,
            DecodeIpv6(Ipv6(Tcp6, Segment, payloadLength: Segment.Length + 1)).Reason);

    [Fact]
    public void PayloadLength_SmallerThanTheTcpHeader_IsMalformed() =>
        Assert.Equal(MalformedReason.TcpHeaderTooShort, DecodeIpv6(Ipv6(Tcp6, Segment, payloadLength: 12)).Reason);

    [Fact]
    public void PayloadLengthZero_TakesTheLengthFromTheFrame()
    {
        // Linux BIG TCP and RFC 2675 jumbograms: the frame, not the 16-bit field, says how long the packet is.
        var decoded = DecodeIpv6(Ipv6(Tcp6, Segment, payloadLength: 0));
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(Payload.Length, decoded.Segment.PayloadLength);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Fact]
    public void FixedHeaderCut_TruncatedOrMalformed()
    {
        var ipv6 = Ipv6(Tcp6, Segment);
        Assert.Equal(DecodeOutcome.TruncatedBySnaplen, DecodeIpv6(ipv6, capturedLength: 39).Outcome);
        Assert.Equal(MalformedReason.IpHeaderTooShort, DecodeIpv6(ipv6[..39]).Reason);
    }
}
