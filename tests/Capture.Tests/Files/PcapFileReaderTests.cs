using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Files;

public class PcapFileReaderTests
{
    private static readonly byte[] SynFrame = Enumerable.Range(0, 60).Select(i => (byte)i).ToArray();
    private static readonly byte[] AckFrame = Enumerable.Range(100, 54).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MicrosecondPcap_ReadsEveryRecord_InEitherByteOrder(bool bigEndian)
    {
        var file = new PcapBytes(bigEndian, nanoseconds: false)
            .Record(1_700_000_000, 123_456, SynFrame)
            .Record(1_700_000_001, 999_999, AckFrame, originalLength: 1514);

        var read = CapturedFrames.Read(file.ToArray());

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Null(read.ErrorMessage);
        Assert.Equal(2, read.Frames.Count);
        Assert.Equal(SynFrame, read.Frames[0].Data);
        Assert.Equal(60, read.Frames[0].OriginalLength);
        Assert.Equal(1_700_000_000_123_456_000, read.Frames[0].UnixNanoseconds);
        Assert.Equal(LinkType.Ethernet, read.Frames[0].LinkType);
        Assert.Equal(AckFrame, read.Frames[1].Data);
        Assert.Equal(1514, read.Frames[1].OriginalLength);
        Assert.Equal(1_700_000_001_999_999_000, read.Frames[1].UnixNanoseconds);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NanosecondPcap_KeepsEveryNanosecond_InEitherByteOrder(bool bigEndian)
    {
        var file = new PcapBytes(bigEndian, nanoseconds: true, linkTypeField: 101)
            .Record(1_700_000_000, 123_456_789, SynFrame)
            .Record(4_000_000_000, 1, AckFrame);

        var read = CapturedFrames.Read(file.ToArray());

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(2, read.Frames.Count);
        Assert.Equal(1_700_000_000_123_456_789, read.Frames[0].UnixNanoseconds);
        // ts_sec is unsigned: 4e9 s is in 2096, not before 1970.
        Assert.Equal(4_000_000_000_000_000_001, read.Frames[1].UnixNanoseconds);
        Assert.Equal(LinkType.Raw, read.Frames[0].LinkType);
    }

    [Fact]
    public void LinkTypeField_WithFcsBits_KeepsOnlyTheLow16Bits()
    {
        // FCS length 4 in bits 28-31 and the P bit (26), as draft-ietf-opsawg-pcap defines them.
        uint field = (4u << 28) | (1u << 26) | 1;
        var file = new PcapBytes(linkTypeField: field).Record(1, 0, SynFrame);

        var read = CapturedFrames.Read(file.ToArray());

        Assert.Equal(LinkType.Ethernet, Assert.Single(read.Frames).LinkType);
    }

    [Fact]
    public void UnknownLinkType_IsPassedOnRaw_ForTheDecoderToCount()
    {
        var file = new PcapBytes(linkTypeField: 147).Record(1, 0, SynFrame);

        var read = CapturedFrames.Read(file.ToArray());

        Assert.Equal((LinkType)147, Assert.Single(read.Frames).LinkType);
        Assert.Equal(SourceStatus.EndOfInput, read.Status);
    }

    [Fact]
    public void RecordCutBySnaplen_KeepsTheWireLength()
    {
        var file = new PcapBytes(snapshotLength: 60).Record(1, 0, SynFrame, originalLength: 1514);

        using var source = Open(file.ToArray());
        Assert.True(source.TryReadFrame(out var frame));
        Assert.True(frame.IsTruncatedBySnaplen);
        Assert.Equal(60, frame.Data.Length);
        Assert.Equal(1514, frame.OriginalLength);
    }

    [Fact]
    public void HeaderOnly_EndsCleanlyWithNoFrames()
    {
        var read = CapturedFrames.Read(new PcapBytes().ToArray());

        Assert.Empty(read.Frames);
        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Null(read.ErrorMessage);
    }

    [Fact]
    public void TruncatedLastRecord_DeliversTheFramesBefore_ThenNamesRecordAndOffset()
    {
        var file = new PcapBytes()
            .Record(1, 0, SynFrame)
            .Record(2, 0, AckFrame)
            .RecordHeader(3, 0, 60, 60)
            .Raw(SynFrame.AsSpan(0, 25));
        long thirdRecordOffset = 24 + (16 + 60) + (16 + 54);

        var read = CapturedFrames.Read(file.ToArray(), "cut.pcap");

        Assert.Equal(2, read.Frames.Count);
        Assert.Equal(AckFrame, read.Frames[1].Data);
        Assert.Equal(SourceStatus.Truncated, read.Status);
        Assert.Equal($"cut.pcap: file cut short in record 3 at byte offset {thirdRecordOffset} (76 bytes needed, 41 present)",
            read.ErrorMessage);
    }

    [Fact]
    public void FileEndingInsideARecordHeader_IsTruncated()
    {
        var file = new PcapBytes().Record(1, 0, SynFrame).Raw(new byte[5]);

        var read = CapturedFrames.Read(file.ToArray(), "cut.pcap");

        Assert.Single(read.Frames);
        Assert.Equal(SourceStatus.Truncated, read.Status);
        Assert.Contains("record header 2 at byte offset 100", read.ErrorMessage);
    }

    [Fact]
    public void AbsurdCapturedLength_IsCorrupt_AfterTheGoodFrames()
    {
        var file = new PcapBytes()
            .Record(1, 0, SynFrame)
            .RecordHeader(2, 0, 0x7FFF_FFFF, 60)
            .Raw(SynFrame);

        var read = CapturedFrames.Read(file.ToArray(), "bad.pcap");

        Assert.Single(read.Frames);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.Equal("bad.pcap: corrupt record 2 at byte offset 100: captured length 2147483647 exceeds the limit of 524288 bytes",
            read.ErrorMessage);
    }

    [Fact]
    public void RecordLimit_IsTwiceTheLargerOfSnaplenAnd256KiB()
    {
        int limit = 2 * 262_144;
        var atLimit = new PcapBytes(snapshotLength: 65535).Record(1, 0, new byte[limit]);
        var overLimit = new PcapBytes(snapshotLength: 65535).Record(1, 0, new byte[limit + 1]);

        var accepted = CapturedFrames.Read(atLimit.ToArray(), bufferSize: 4096);
        var rejected = CapturedFrames.Read(overLimit.ToArray(), bufferSize: 4096);

        Assert.Equal(limit, Assert.Single(accepted.Frames).Data.Length);
        Assert.Equal(SourceStatus.EndOfInput, accepted.Status);
        Assert.Empty(rejected.Frames);
        Assert.Equal(SourceStatus.Corrupt, rejected.Status);
    }

    [Theory]
    [InlineData(0u, 524_288)]
    [InlineData(65_535u, 524_288)]
    [InlineData(262_144u, 524_288)]
    [InlineData(1_000_000u, 2_000_000)]
    [InlineData(uint.MaxValue, 16 * 1024 * 1024)]
    public void RecordLimit_FollowsTheSnaplen_UpTo16MiB(uint snapshotLength, int limit)
    {
        Assert.Equal(limit, CaptureFileLimits.PcapRecordLimit(snapshotLength));
    }

    [Theory]
    [InlineData(64, int.MaxValue)]
    [InlineData(64, 7)]
    [InlineData(100, 1)]
    [InlineData(4096, 13)]
    public void RecordsCrossingChunkEnds_AreReadWhole(int bufferSize, int maxBytesPerRead)
    {
        var file = new PcapBytes(nanoseconds: true);
        var expected = new List<byte[]>();
        for (int i = 0; i < 300; i++)
        {
            // Sizes from empty to several times the buffer, so records straddle, fill and overflow it.
            var data = Enumerable.Range(0, (i * 37) % 700).Select(b => (byte)(b + i)).ToArray();
            expected.Add(data);
            file.Record((uint)i, (uint)i, data);
        }

        var read = CapturedFrames.Read(file.ToArray(), bufferSize: bufferSize, maxBytesPerRead: maxBytesPerRead);

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(expected.Count, read.Frames.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], read.Frames[i].Data);
            Assert.Equal(i * PacketTime.NanosecondsPerSecond + i, read.Frames[i].UnixNanoseconds);
        }
    }

    [Fact]
    public void UnknownMajorVersion_IsRefusedAtOpen()
    {
        var file = new PcapBytes(major: 3, minor: 0).Record(1, 0, SynFrame);

        Assert.False(CaptureFile.TryOpen(new MemoryStream(file.ToArray()), "v3.pcap", out var source, out var error));
        Assert.Null(source);
        Assert.Equal("v3.pcap: unsupported pcap version 3.0 (only 2.x exists)", error);
    }

    [Fact]
    public void FileHeaderCutShort_IsRefusedAtOpen()
    {
        var header = new PcapBytes().ToArray()[..10];

        Assert.False(CaptureFile.TryOpen(new MemoryStream(header), "short.pcap", out _, out var error));
        Assert.Equal("short.pcap: pcap file header cut short (10 of 24 bytes)", error);
    }

    private static IPacketSource Open(byte[] bytes)
    {
        Assert.True(CaptureFile.TryOpen(new MemoryStream(bytes), "test.pcap", out var source, out var error), error);
        return source!;
    }
}
