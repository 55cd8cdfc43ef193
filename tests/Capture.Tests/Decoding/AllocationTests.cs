using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

public class AllocationTests
{
    [Fact]
    public void DecodingAllocatesNothingPerFrame()
    {
        // Every encapsulation, plus frames ending in each non-TCP outcome, with and without accounting.
        var frames = SampleFrames.All().Select(s => (s.Bytes, s.LinkType, Captured: s.Bytes.Length)).ToList();
        frames.AddRange(SampleFrames.All().Select(s => (s.Bytes, s.LinkType, Captured: s.Bytes.Length / 2)));
        frames.Add((Ethernet(0x0806, new byte[28]), LinkType.Ethernet, 42));
        frames.Add((Ethernet(0x0800, Ipv4(6, Tcp(), flagsAndFragmentOffset: 0x0010)), LinkType.Ethernet, 54));
        frames.Add((Ethernet(0x0800, Ipv4(6, Tcp(), headerLengthWords: 3)), LinkType.Ethernet, 54));
        frames.Add((new byte[60], (LinkType)105, 60));

        var decoder = new FrameDecoder();
        var accounting = new FrameAccounting();
        long checksum = 0;
        void DecodeAll(int rounds)
        {
            for (int round = 0; round < rounds; round++)
            {
                foreach (var (bytes, linkType, captured) in frames)
                {
                    var frame = new Frame(bytes.AsSpan(0, captured), bytes.Length, Decoded.Timestamp, linkType);
                    decoder.Decode(frame, out var segment, out _);
                    decoder.Decode(frame, accounting, out segment);
                    checksum += segment.PayloadLength;
                }
            }
        }

        DecodeAll(200); // warm-up: JIT tiers, static initialisers
        long before = GC.GetAllocatedBytesForCurrentThread();
        int rounds = 100_000 / frames.Count + 1;
        DecodeAll(rounds);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(rounds * frames.Count >= 100_000);
        Assert.Equal(0, allocated);
        Assert.NotEqual(0, checksum);
    }
}
