using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

public class TcpHeaderTests
{
    private static Decoded DecodeIpv4(byte[] tcp, int? capturedLength = null, DecoderOptions? options = null) =>
        Decoded.Of(Ethernet(0x0800, Ipv4(6, tcp)), capturedLength: capturedLength, options: options);

    [Fact]
    public void EveryFieldIsFilled()
    {
        var tcp = Tcp(sourcePort: 51000, destinationPort: 8443, sequence: 0xFEDCBA98, acknowledgment: 0x01234567,
            flags: TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Urg, window: 0xABCD, urgentPointer: 3, payload: new byte[7]);
        var decoded = Decoded.Of(Ethernet(0x8100, Concat(VlanTag(12, 0x0800), Ipv4(6, tcp, ttl: 99))));
        var segment = decoded.Segment;

        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(Decoded.Timestamp, segment.Timestamp);
        Assert.Equal(IpAddress.Parse(Ipv4Source), segment.Source);
        Assert.Equal(IpAddress.Parse(Ipv4Destination), segment.Destination);
        Assert.Equal(51000, segment.SourcePort);
        Assert.Equal(8443, segment.DestinationPort);
        Assert.Equal(0xFEDCBA98u, segment.Sequence);
        Assert.Equal(0x01234567u, segment.Acknowledgment);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Urg, segment.Flags);
        Assert.Equal(0xABCD, segment.Window);
        Assert.Equal(3, segment.UrgentPointer);
        Assert.Equal(7, segment.PayloadLength);
        Assert.Equal(7, segment.CapturedPayloadLength);
        Assert.Equal(4, segment.IpVersion);
        Assert.Equal(99, segment.Ttl);
        Assert.Equal(0, segment.TunnelDepth);
        Assert.Equal(12, segment.VlanId);
        Assert.Equal(ChecksumStatus.Valid, segment.Checksum);
        Assert.Equal(TcpOptions.None, segment.Options);
    }

    [Theory]
    [InlineData(TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ae)]
    [InlineData(TcpFlags.Fin | TcpFlags.Rst | TcpFlags.Psh | TcpFlags.Ack | TcpFlags.Urg | TcpFlags.Ece | TcpFlags.Cwr | TcpFlags.Ae)]
    public void EcnAndAccurateEcnFlags(TcpFlags flags) => Assert.Equal(flags, DecodeIpv4(Tcp(flags: flags)).Segment.Flags);

    [Fact]
    public void ReservedBitsOtherThanAe_AreNotFlags()
    {
        var tcp = Patch8(Tcp(flags: TcpFlags.Syn), 12, 0x5E); // data offset 5, reserved bits 0b111, AE clear
        Assert.Equal(TcpFlags.Syn, DecodeIpv4(tcp).Segment.Flags);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void DataOffsetBelowFive_IsMalformed(int words) =>
        Assert.Equal(MalformedReason.TcpDataOffset, DecodeIpv4(Tcp(dataOffsetWords: words)).Reason);

    [Fact]
    public void DataOffsetPastTheIpPayload_IsMalformed() =>
        Assert.Equal(MalformedReason.TcpDataOffset, DecodeIpv4(Tcp(dataOffsetWords: 15)).Reason);

    [Fact]
    public void DataOffsetPastTheIpPayload_IsMalformedEvenWhenSnaplenCut()
    {
        // The capture ends inside the TCP header, but the header claims more than the IP payload holds on the wire:
        // no snapshot length could have made that, so it is not merely truncated.
        var tcp = Tcp(dataOffsetWords: 15, payload: new byte[8]);
        Assert.Equal(MalformedReason.TcpDataOffset, DecodeIpv4(tcp, capturedLength: 14 + 20 + 24).Reason);
    }

    [Fact]
    public void HeaderShorterThanTwentyBytes_IsMalformed()
    {
        var frame = Ethernet(0x0800, Ipv4(6, Tcp()[..16], fillTcpChecksum: false));
        Assert.Equal(MalformedReason.TcpHeaderTooShort, Decoded.Of(frame).Reason);
    }

    [Fact]
    public void HeaderCutBySnaplen_IsTruncated()
    {
        var tcp = Tcp(options: Hex("020405b4 01030307"));
        Assert.Equal(DecodeOutcome.TruncatedBySnaplen, DecodeIpv4(tcp, capturedLength: 14 + 20 + 24).Outcome);
        Assert.Equal(DecodeOutcome.TruncatedBySnaplen, DecodeIpv4(tcp, capturedLength: 14 + 20 + 10).Outcome);
    }

    [Fact]
    public void PayloadCutBySnaplen_IsStillTcp_AndCounted()
    {
        var frame = Ethernet(0x0800, Ipv4(6, Tcp(flags: TcpFlags.Ack, payload: new byte[1000])));
        var accounting = new FrameAccounting();
        var outcome = Ipv4Tests.DecodeWithAccounting(frame, accounting, out var segment, capturedLength: 96);

        Assert.Equal(DecodeOutcome.Tcp, outcome);
        Assert.Equal(1000, segment.PayloadLength);
        Assert.Equal(96 - 54, segment.CapturedPayloadLength);
        Assert.Equal(ChecksumStatus.NotVerified, segment.Checksum);
        Assert.Equal(1, accounting.TcpPayloadTruncated);
        Assert.Equal(0, accounting.BadTcpChecksums);
    }
}
