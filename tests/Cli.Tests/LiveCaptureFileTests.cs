using TcpState.Capture;
using TcpState.Capture.Files;
using TcpState.Cli.Live;

namespace TcpState.Cli.Tests;

/// <summary>
/// The -w file when the disk fills: the bytes that reached the disk may end mid-record, and the file must be cut back to
/// its last whole record. A stream with a fixed capacity stands for the disk, failing as a full one does (the kernel
/// takes what fits of a write, then ENOSPC).
/// </summary>
public class LiveCaptureFileTests
{
    [Theory]
    [InlineData(24 + 3 * 116 + 50)]   // full in the middle of a record's data
    [InlineData(24 + 5 * 116 + 7)]    // full in the middle of a record header
    [InlineData(24 + 4 * 116)]        // full exactly at a record's end
    [InlineData(30)]                  // room for the file header and no record
    public void DiskFillingMidWrite_LeavesTheRecordsThatFitWhole_AndStopsWriting(int capacity)
    {
        var disk = new SmallDisk(capacity);
        using var file = new LiveCaptureFile(disk, "x.pcap", LinkType.Ethernet, 262144, PcapTimestampPrecision.Nanoseconds);
        var data = new byte[100];
        int accepted = 0;
        // More than fits, flushed every few frames as the live session does on its ticks.
        for (int i = 0; i < 40 && file.TryWrite(Frame(data, i)); i++)
        {
            accepted++;
            if (i % 3 == 2 && !file.TryFlush())
                break;
        }
        Assert.False(file.TryFlush());
        file.Dispose();

        long fits = (capacity - 24) / 116;
        Assert.True(file.Failed);
        Assert.Equal(fits, file.FramesWritten);
        Assert.Equal(fits, PcapRecords.CountWhole(disk.Contents));
        Assert.Equal("cannot write x.pcap: no space left on device", file.Error);
        Assert.True(accepted < 40);
        Assert.False(file.TryWrite(Frame(data, 99)));
        Assert.Equal(fits, PcapRecords.CountWhole(disk.Contents));
    }

    [Fact]
    public void DiskFillingInsideAFrameLargerThanTheWritersChunk_KeepsTheFramesBeforeIt()
    {
        // Loopback frames reach 64 KiB: the writer sends their header with its chunk and the data on its own.
        var disk = new SmallDisk(24 + 2 * 116 + 16 + 40_000);
        using var file = new LiveCaptureFile(disk, "x.pcap", LinkType.Ethernet, 262144, PcapTimestampPrecision.Nanoseconds);
        Assert.True(file.TryWrite(Frame(new byte[100], 0)));
        Assert.True(file.TryWrite(Frame(new byte[100], 1)));
        Assert.False(file.TryWrite(Frame(new byte[70_000], 2)));
        file.Dispose();

        Assert.Equal(2, file.FramesWritten);
        Assert.Equal(2, PcapRecords.CountWhole(disk.Contents));
    }

    [Fact]
    public void NoFailure_WritesEveryFrame_AndNoError()
    {
        var disk = new SmallDisk(1 << 20);
        using var file = new LiveCaptureFile(disk, "x.pcap", LinkType.Ethernet, 262144, PcapTimestampPrecision.Nanoseconds);
        for (int i = 0; i < 1000; i++)
            Assert.True(file.TryWrite(Frame(new byte[60 + i % 200], i)));
        file.Dispose();

        Assert.Null(file.Error);
        Assert.Equal(1000, file.FramesWritten);
        Assert.Equal(1000, PcapRecords.CountWhole(disk.Contents));
    }

    [Fact]
    public void WritingFrames_AllocatesNothingPerFrame()
    {
        var disk = new SmallDisk(int.MaxValue, keep: false);
        using var file = new LiveCaptureFile(disk, "x.pcap", LinkType.Ethernet, 262144, PcapTimestampPrecision.Nanoseconds);
        var data = new byte[300];
        for (int i = 0; i < 1000; i++)
            file.TryWrite(Frame(data, i));
        file.TryFlush();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
            file.TryWrite(Frame(data, i));
        file.TryFlush();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Null(file.Error);
    }

    [Theory]
    [InlineData("No space left on device : '/tmp/x/y.pcap'", "no space left on device")]
    [InlineData("Disk quota exceeded", "disk quota exceeded")]
    [InlineData("I/O error : '/y'", "I/O error")]
    public void Reason_IsTheSystemsTextWithoutThePath(string message, string reason) =>
        Assert.Equal(reason, LiveCaptureFile.Reason(new IOException(message)));

    [Fact]
    public void Reason_ForAMissingFolder_IsTheSystemsWording()
    {
        var error = Assert.ThrowsAny<IOException>(() => new FileStream("/nonexistent-tcpstate/x.pcap", FileMode.Create));
        Assert.Equal("no such file or directory", LiveCaptureFile.Reason(error));
    }

    private static Frame Frame(byte[] data, int i) =>
        new(data, data.Length, PacketTime.FromParts(1_700_000_000 + i, 0), LinkType.Ethernet);
}
