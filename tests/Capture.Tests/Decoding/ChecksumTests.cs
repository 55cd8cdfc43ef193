using System.Buffers.Binary;
using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

public class ChecksumTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(31)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(96)]
    [InlineData(127)]
    [InlineData(1459)]
    [InlineData(9001)]
    [InlineData(1_100_000)] // past the 512 KB after which the AVX2 sum widens its 32-bit lanes
    public void Sum_MatchesTheByteByByteReference_AtEveryLength(int length)
    {
        var random = new Random(length);
        var data = new byte[length + 1];
        random.NextBytes(data);
        // Also at an odd start, so no alignment is assumed.
        Assert.Equal(ReferenceChecksum.Sum(data[..length]), InternetChecksum.Sum(data.AsSpan(0, length)));
        Assert.Equal(ReferenceChecksum.Sum(data[1..]), InternetChecksum.Sum(data.AsSpan(1)));
    }

    [Fact]
    public void Sum_OfAllOnes_DoesNotOverflow()
    {
        var data = Enumerable.Repeat((byte)0xFF, 65535).ToArray();
        Assert.Equal(ReferenceChecksum.Sum(data), InternetChecksum.Sum(data));
    }

    /// <summary>The AVX2 sum reads words as signed after flipping their top bit: the words at both ends of that range.</summary>
    [Theory]
    [InlineData(0x00, 0x00)]
    [InlineData(0xFF, 0xFF)]
    [InlineData(0x80, 0x00)]
    [InlineData(0x7F, 0xFF)]
    public void Sum_OfTheExtremeWords_MatchesTheReference(byte high, byte low)
    {
        var data = new byte[1_100_000];
        for (int i = 0; i < data.Length; i += 2)
            (data[i], data[i + 1]) = (high, low);
        Assert.Equal(ReferenceChecksum.Sum(data), InternetChecksum.Sum(data));
        Assert.Equal(ReferenceChecksum.Sum(data.AsSpan(0, 4_000).ToArray()), InternetChecksum.Sum(data.AsSpan(0, 4_000)));
    }

    [Fact]
    public void Rfc1071Example()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        Assert.Equal(0xddf2, InternetChecksum.Sum(Hex("0001f203f4f5f6f7")));
    }

    [Fact]
    public void TcpChecksum_AgreesWithTheReference()
    {
        var tcp = Tcp(payload: "abc"u8.ToArray());
        var expected = ReferenceChecksum.Tcp(Hex("c0000201"), Hex("c6336402"), tcp);
        Assert.Equal(expected,
            InternetChecksum.TcpChecksum(IpAddress.Parse(Ipv4Source), IpAddress.Parse(Ipv4Destination), tcp));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(333)]
    public void Ipv4_ValidAndInvalid(int payloadLength)
    {
        var frame = Ethernet(0x0800, Ipv4(6, Tcp(flags: TcpFlags.Ack, payload: Filler(payloadLength))));
        Assert.Equal(ChecksumStatus.Valid, Decoded.Of(frame).Segment.Checksum);
        Assert.Equal(ChecksumStatus.Invalid, Decoded.Of(FlipChecksumBit(frame, 14 + 20)).Segment.Checksum);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1001)]
    public void Ipv6_ValidAndInvalid_IncludingOddPayloadLength(int payloadLength)
    {
        var frame = Ethernet(0x86DD, Ipv6(6, Tcp(flags: TcpFlags.Ack, payload: Filler(payloadLength))));
        Assert.Equal(ChecksumStatus.Valid, Decoded.Of(frame).Segment.Checksum);
        Assert.Equal(ChecksumStatus.Invalid, Decoded.Of(FlipChecksumBit(frame, 14 + 40)).Segment.Checksum);
    }

    [Fact]
    public void PayloadByteChanged_IsInvalid()
    {
        var frame = Ethernet(0x0800, Ipv4(6, Tcp(flags: TcpFlags.Ack, payload: Filler(11))));
        frame[^1] ^= 0x01;
        Assert.Equal(ChecksumStatus.Invalid, Decoded.Of(frame).Segment.Checksum);
    }

    [Fact]
    public void VerifyChecksumsOff_IsNotVerified()
    {
        var frame = FlipChecksumBit(Ethernet(0x0800, Ipv4(6, Tcp())), 14 + 20);
        var decoded = Decoded.Of(frame, options: new DecoderOptions { VerifyChecksums = false });
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(ChecksumStatus.NotVerified, decoded.Segment.Checksum);
    }

    [Fact]
    public void InvalidChecksum_IsCounted()
    {
        var frame = FlipChecksumBit(Ethernet(0x0800, Ipv4(6, Tcp())), 14 + 20);
        var accounting = new FrameAccounting();
        Assert.Equal(DecodeOutcome.Tcp, Ipv4Tests.DecodeWithAccounting(frame, accounting, out _));
        Assert.Equal(1, accounting.BadTcpChecksums);
    }

    private static byte[] Filler(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3)).ToArray();

    private static byte[] FlipChecksumBit(byte[] frame, int tcpOffset)
    {
        var copy = (byte[])frame.Clone();
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(tcpOffset + 16));
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(tcpOffset + 16), (ushort)(checksum ^ 0x0100));
        return copy;
    }
}
