using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Files;

/// <summary>
/// The readers sit on the per-packet hot path: after warm-up, reading a frame must allocate nothing at all.
/// The count is this thread's allocated bytes, exact, so the tests do not depend on timing.
/// </summary>
/// <remarks>
/// A window of 100,000 frames passes only at exactly 0 bytes. Up to three windows are tried, each on a freshly opened
/// source, because the runtime itself now and then charges a few KB to the thread (2-8 KB, seen about once in fifteen
/// runs of the whole suite with other tests running alongside, never when these tests run alone). Anything the
/// reader allocated per frame, or even once per 100,000 frames, would show in every window and fail.
/// </remarks>
public class AllocationTests
{
    private const int WarmUpFrames = 2_000;
    private const int MeasuredFrames = 100_000;
    private const int Attempts = 3;

    [Fact]
    public void ReadingPcapFromMemory_AllocatesNothingPerFrame()
    {
        var bytes = PcapOf(WarmUpFrames + MeasuredFrames);

        AssertSteadyStateAllocatesNothing(() => Open(new MemoryStream(bytes), "alloc.pcap"));
    }

    [Fact]
    public void ReadingPcapNgFromMemory_AllocatesNothingPerFrame()
    {
        var file = new PcapNgBytes().Section().Interface(1).Interface(101, tsresol: 9).Interface(113, tsresol: 0x80 | 20);
        var blocks = new PcapNgBytes().Section()
            .Enhanced(0, 1_000, new byte[60]).Enhanced(1, 2_000, new byte[1514]).Enhanced(2, 3_000, new byte[54])
            .Block(5, new byte[16]).Simple(new byte[90], 90)
            .ToArray()[28..]; // without the section header: these blocks repeat after the file's own
        var stream = new MemoryStream();
        stream.Write(file.ToArray());
        for (int i = 0; i < (WarmUpFrames + MeasuredFrames) / 4 + 1; i++)
            stream.Write(blocks);
        var bytes = stream.ToArray();

        AssertSteadyStateAllocatesNothing(() => Open(new MemoryStream(bytes), "alloc.pcapng"));
    }

    [Fact]
    public void ReadingPcapFileFromDisk_AllocatesNothingPerFrame()
    {
        using var dir = new TempDirectory();
        string path = dir.File("alloc.pcap", PcapOf(WarmUpFrames + MeasuredFrames));

        AssertSteadyStateAllocatesNothing(() => Open(path));
    }

    [Fact]
    public void ReadingGzippedPcapFromDisk_AllocatesNothingPerFrame()
    {
        using var dir = new TempDirectory();
        string path = dir.File("alloc.pcap.gz", GzipTests.Gzip(PcapOf(WarmUpFrames + MeasuredFrames)));

        AssertSteadyStateAllocatesNothing(() => Open(path));
    }

    [Fact]
    public void WritingPcap_AllocatesNothingPerFrame()
    {
        var payload = new byte[1514];
        var windows = new List<long>();
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            using var writer = new PcapWriter(Stream.Null, LinkType.Ethernet);
            for (int i = 0; i < WarmUpFrames; i++)
                writer.Write(payload.AsSpan(0, i % 1514), 1514, new PacketTime(i));

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < MeasuredFrames; i++)
                writer.Write(payload.AsSpan(0, i % 1514), 1514, new PacketTime(i));
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (windows[^1] == 0)
                return;
        }
        Assert.Fail($"every window of {MeasuredFrames} frames allocated: {string.Join(", ", windows)} bytes");
    }

    private static void AssertSteadyStateAllocatesNothing(Func<IPacketSource> open)
    {
        var windows = new List<long>();
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            using var source = open();
            long checksum = 0;
            for (int i = 0; i < WarmUpFrames; i++)
            {
                Assert.True(source.TryReadFrame(out var frame), source.ErrorMessage);
                checksum += frame.Data.Length;
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            int frames = 0;
            while (frames < MeasuredFrames && source.TryReadFrame(out var frame))
            {
                checksum += frame.Data.Length + frame.Timestamp.UnixNanoseconds + (int)frame.LinkType;
                frames++;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(MeasuredFrames, frames);
            Assert.NotEqual(0, checksum);
            windows.Add(allocated);
            if (allocated == 0)
                return;
        }
        Assert.Fail($"every window of {MeasuredFrames} frames allocated: {string.Join(", ", windows)} bytes");
    }

    private static IPacketSource Open(Stream stream, string name)
    {
        Assert.True(CaptureFile.TryOpen(stream, name, out var source, out var error), error);
        return source!;
    }

    private static IPacketSource Open(string path)
    {
        Assert.True(CaptureFile.TryOpen(path, out var source, out var error), error);
        return source!;
    }

    private static byte[] PcapOf(int frames)
    {
        var payload = new byte[1514];
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true))
        {
            for (int i = 0; i < frames; i++)
                writer.Write(payload.AsSpan(0, 54 + (i * 31) % 1460), 1514, new PacketTime(i * 1000L));
        }
        return stream.ToArray();
    }
}
