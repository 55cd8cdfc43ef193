using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Files;

public class PcapWriterTests
{
    private static readonly byte[] Payload = Enumerable.Range(0, 1500).Select(i => (byte)(i * 13)).ToArray();

    [Fact]
    public void FileHeader_IsLittleEndianPcap24_WithSnaplenAndLinkType()
    {
        var stream = new MemoryStream();
        using (new PcapWriter(stream, LinkType.LinuxSll, snapshotLength: 65535, leaveOpen: true)) { }

        Assert.Equal(
            new byte[] { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 113, 0, 0, 0 },
            stream.ToArray());
    }

    [Fact]
    public void NanosecondFile_RoundTripsEveryNanosecond()
    {
        var times = new[] { 0L, 1L, 1_700_000_000_123_456_789L, 4_000_000_000_999_999_999L };
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Raw, precision: PcapTimestampPrecision.Nanoseconds, leaveOpen: true))
        {
            for (int i = 0; i < times.Length; i++)
                writer.Write(Payload.AsSpan(0, 40 + i), 40 + i, new PacketTime(times[i]));
            Assert.Equal(times.Length, writer.FramesWritten);
        }

        var read = CapturedFrames.Read(stream.ToArray(), "ns.pcap");

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(times, read.Frames.Select(f => f.UnixNanoseconds));
        Assert.All(read.Frames, f => Assert.Equal(LinkType.Raw, f.LinkType));
        Assert.Equal(Payload[..43], read.Frames[3].Data);
    }

    [Fact]
    public void MicrosecondFile_KeepsTheMicrosecondBelow()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true))
            writer.Write(Payload.AsSpan(0, 60), 60, new PacketTime(1_700_000_000_123_456_789));

        var read = CapturedFrames.Read(stream.ToArray());

        Assert.Equal(1_700_000_000_123_456_000, Assert.Single(read.Frames).UnixNanoseconds);
    }

    [Fact]
    public void FramesLongerThanSnaplen_AreCut_AndKeepTheirWireLength()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, snapshotLength: 96, leaveOpen: true))
        {
            writer.Write(Payload.AsSpan(0, 1500), 1500, new PacketTime(1));
            writer.Write(Payload.AsSpan(0, 50), 10, new PacketTime(2)); // wire length below data length: raised
        }

        var read = CapturedFrames.Read(stream.ToArray());

        Assert.Equal(Payload[..96], read.Frames[0].Data);
        Assert.Equal(1500, read.Frames[0].OriginalLength);
        Assert.Equal(50, read.Frames[1].OriginalLength);
    }

    [Fact]
    public void ManyAndLargeFrames_CrossTheWritersChunks_AndRoundTrip()
    {
        var big = Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)).ToArray();
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true))
        {
            for (int i = 0; i < 5000; i++)
                writer.Write(Payload.AsSpan(0, i % 1500), i % 1500, new PacketTime(i * 1000L));
            writer.Write(big, big.Length, new PacketTime(9_000_000));
            writer.Write(Payload.AsSpan(0, 7), 7, new PacketTime(10_000_000));
        }

        var read = CapturedFrames.Read(stream.ToArray());

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(5002, read.Frames.Count);
        for (int i = 0; i < 5000; i += 97)
            Assert.Equal(Payload[..(i % 1500)], read.Frames[i].Data);
        Assert.Equal(big, read.Frames[5000].Data);
        Assert.Equal(Payload[..7], read.Frames[5001].Data);
    }

    [Fact]
    public void CopyingAFileThroughReaderAndWriter_ReproducesItByteForByte()
    {
        var original = new PcapBytes(snapshotLength: 262144)
            .Record(1_600_000_000, 1, Payload[..60])
            .Record(1_600_000_000, 999_999, Payload[..100], originalLength: 1514)
            .Record(1_600_000_002, 0, [])
            .ToArray();
        var copy = new MemoryStream();

        Assert.True(CaptureFile.TryOpen(new MemoryStream(original), "in.pcap", out var source, out var error), error);
        using (source)
        using (var writer = new PcapWriter(copy, LinkType.Ethernet, leaveOpen: true))
        {
            while (source!.TryReadFrame(out var frame))
                writer.WriteFrame(frame);
        }

        Assert.Equal(original, copy.ToArray());
    }

    [Fact]
    public void FrameOfAnotherLinkType_IsRefused()
    {
        using var writer = new PcapWriter(new MemoryStream(), LinkType.Ethernet);

        var error = Assert.Throws<ArgumentException>(() =>
            writer.WriteFrame(new Frame(Payload.AsSpan(0, 20), 20, PacketTime.Zero, LinkType.Raw)));
        Assert.Contains("a pcap file holds one link type", error.Message);
        Assert.Equal(0, writer.FramesWritten);
    }

    [Fact]
    public void Dispose_FlushesAndClosesTheStream_UnlessLeftOpen()
    {
        var closed = new MemoryStream();
        var leftOpen = new MemoryStream();
        using (var writer = new PcapWriter(closed, LinkType.Ethernet))
            writer.Write(Payload.AsSpan(0, 10), 10, PacketTime.Zero);
        using (var writer = new PcapWriter(leftOpen, LinkType.Ethernet, leaveOpen: true))
            writer.Write(Payload.AsSpan(0, 10), 10, PacketTime.Zero);

        Assert.False(closed.CanWrite);
        Assert.True(leftOpen.CanWrite);
        Assert.Equal(24 + 16 + 10, leftOpen.Length);
    }

    [Fact]
    public void Flush_PushesBufferedRecordsToTheStream()
    {
        var stream = new MemoryStream();
        using var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true);
        writer.Write(Payload.AsSpan(0, 10), 10, PacketTime.Zero);
        Assert.Equal(0, stream.Length);

        writer.Flush();

        Assert.Equal(24 + 16 + 10, stream.Length);
    }
}
