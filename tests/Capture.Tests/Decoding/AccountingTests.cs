using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

public class AccountingTests
{
    [Fact]
    public void EveryFrameHasExactlyOneOutcome_AndTheSideNotesAreCounted()
    {
        var syn = Ipv4(6, Tcp());
        var data = Ipv4(6, Tcp(flags: TcpFlags.Ack, payload: new byte[200]));
        var badChecksum = Patch16(Ethernet(0x0800, syn), 14 + 20 + 16, 0x1234);
        var frames = new (byte[] Bytes, LinkType LinkType, int Captured)[]
        {
            (Ethernet(0x0800, syn), LinkType.Ethernet, 54),                                     // tcp
            (badChecksum, LinkType.Ethernet, 54),                                               // tcp, bad checksum
            (Ethernet(0x0800, data), LinkType.Ethernet, 100),                                   // tcp, payload cut
            (Ethernet(0x0800, Ipv4(4, syn)), LinkType.Ethernet, 74),                            // tcp, tunneled
            (Ethernet(0x0800, Ipv4(6, Tcp(), flagsAndFragmentOffset: 0x2000)), LinkType.Ethernet, 54), // tcp, fragment
            (Ethernet(0x0800, Ipv4(6, Tcp(), flagsAndFragmentOffset: 0x0003)), LinkType.Ethernet, 54), // non-first
            (Ethernet(0x0806, new byte[28]), LinkType.Ethernet, 42),                            // other
            (Ethernet(0x0800, Ipv4(17, Udp(1, 53, new byte[4]))), LinkType.Ethernet, 46),       // other
            (Ethernet(0x0800, syn), LinkType.Ethernet, 30),                                     // truncated
            (Ethernet(0x0800, Ipv4(6, Tcp(dataOffsetWords: 2))), LinkType.Ethernet, 54),        // malformed
            (Ethernet(0x0800, Ipv4(6, Tcp(), totalLength: 10)), LinkType.Ethernet, 54),         // malformed
            (syn, (LinkType)147, 40),                                                           // unsupported
        };

        var decoder = new FrameDecoder();
        var accounting = new FrameAccounting();
        foreach (var (bytes, linkType, captured) in frames)
            decoder.Decode(new Frame(bytes.AsSpan(0, captured), bytes.Length, Decoded.Timestamp, linkType), accounting, out _);

        Assert.True(accounting.AddsUp);
        Assert.Equal(frames.Length, accounting.FramesRead);
        Assert.Equal(5, accounting.Tcp);
        Assert.Equal(1, accounting.NonFirstFragments);
        Assert.Equal(2, accounting.OtherProtocol);
        Assert.Equal(1, accounting.TruncatedBySnaplen);
        Assert.Equal(2, accounting.Malformed);
        Assert.Equal(1, accounting.MalformedBecause(MalformedReason.TcpDataOffset));
        Assert.Equal(1, accounting.MalformedBecause(MalformedReason.Ipv4TotalLength));
        Assert.Equal(1, accounting.UnsupportedLinkType);
        Assert.Equal(1, accounting.BadTcpChecksums);
        Assert.Equal(1, accounting.TcpPayloadTruncated);
        Assert.Equal(1, accounting.Tunneled);
        Assert.Equal(2, accounting.IpFragments);
    }
}
