using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Files;

public class PcapNgFileReaderTests
{
    private static readonly byte[] FrameA = Enumerable.Range(0, 61).Select(i => (byte)i).ToArray();
    private static readonly byte[] FrameB = Enumerable.Range(7, 40).Select(i => (byte)i).ToArray();
    private static readonly byte[] FrameC = Enumerable.Range(50, 99).Select(i => (byte)i).ToArray();

    private const ulong MicrosecondsAt = 1_700_000_000_123_456;
    private const long NanosecondsAt = 1_700_000_000_123_456_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EnhancedPackets_AreReadInEitherByteOrder(bool bigEndian)
    {
        var file = new PcapNgBytes()
            .Section(bigEndian)
            .Interface(linkType: 1, snapshotLength: 262144)
            .Enhanced(0, MicrosecondsAt, FrameA)
            .Enhanced(0, MicrosecondsAt + 1, FrameB, originalLength: 1514);

        var read = CapturedFrames.Read(file.ToArray(), "test.pcapng");

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Null(read.ErrorMessage);
        Assert.Equal(2, read.Frames.Count);
        Assert.Equal(FrameA, read.Frames[0].Data);
        Assert.Equal(61, read.Frames[0].OriginalLength);
        Assert.Equal(NanosecondsAt, read.Frames[0].UnixNanoseconds);
        Assert.Equal(LinkType.Ethernet, read.Frames[0].LinkType);
        Assert.Equal(FrameB, read.Frames[1].Data);
        Assert.Equal(1514, read.Frames[1].OriginalLength);
        Assert.Equal(NanosecondsAt + 1000, read.Frames[1].UnixNanoseconds);
    }

    [Fact]
    public void EachFrame_GetsItsOwnInterfacesLinkTypeAndTimestampResolution()
    {
        var file = new PcapNgBytes()
            .Section()
            .Interface(linkType: 1)                                          // default 10^-6
            .Interface(linkType: 101, tsresol: 9, withComment: true)         // 10^-9, after another option
            .Interface(linkType: 113, tsresol: 0x80 | 10, tsoffset: 1000)    // 2^-10, epoch moved by 1000 s
            .Enhanced(0, MicrosecondsAt, FrameA)
            .Enhanced(1, 1_700_000_000_123_456_789, FrameB)
            .Enhanced(2, 5 * 1024 + 512, FrameC)
            .Enhanced(2, 1, FrameA);

        var read = CapturedFrames.Read(file.ToArray(), "test.pcapng");

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(4, read.Frames.Count);
        Assert.Equal((LinkType.Ethernet, NanosecondsAt), (read.Frames[0].LinkType, read.Frames[0].UnixNanoseconds));
        Assert.Equal((LinkType.Raw, 1_700_000_000_123_456_789), (read.Frames[1].LinkType, read.Frames[1].UnixNanoseconds));
        Assert.Equal((LinkType.LinuxSll, 1_005_500_000_000), (read.Frames[2].LinkType, read.Frames[2].UnixNanoseconds));
        // 1/1024 s is 976,562.5 ns: the nanosecond below.
        Assert.Equal(1_000_000_976_562, read.Frames[3].UnixNanoseconds);
        Assert.Equal(FrameC, read.Frames[2].Data);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void SecondSection_HasItsOwnByteOrderAndInterfaces(bool firstBigEndian, bool secondBigEndian)
    {
        var file = new PcapNgBytes()
            .Section(firstBigEndian)
            .Interface(linkType: 1)
            .Enhanced(0, MicrosecondsAt, FrameA)
            .Section(secondBigEndian)
            .Interface(linkType: 101, tsresol: 9)
            .Enhanced(0, 1_700_000_000_123_456_789, FrameB);

        var read = CapturedFrames.Read(file.ToArray(), "test.pcapng");

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(2, read.Frames.Count);
        Assert.Equal((LinkType.Ethernet, NanosecondsAt), (read.Frames[0].LinkType, read.Frames[0].UnixNanoseconds));
        Assert.Equal((LinkType.Raw, 1_700_000_000_123_456_789), (read.Frames[1].LinkType, read.Frames[1].UnixNanoseconds));
        Assert.Equal(FrameB, read.Frames[1].Data);
    }

    [Fact]
    public void NewSection_ForgetsThePreviousSectionsInterfaces()
    {
        var file = new PcapNgBytes()
            .Section()
            .Interface(linkType: 1)
            .Interface(linkType: 1)
            .Enhanced(1, MicrosecondsAt, FrameA)
            .Section()
            .Interface(linkType: 1)
            .Enhanced(1, MicrosecondsAt, FrameB);

        var read = CapturedFrames.Read(file.ToArray(), "two.pcapng");

        Assert.Single(read.Frames);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.Matches(@"^two\.pcapng: corrupt block 7 \(enhanced packet block\) at byte offset \d+: packet refers to interface 1, but the section defines 1$",
            read.ErrorMessage);
    }

    [Fact]
    public void PacketOnUndefinedInterface_IsCorrupt()
    {
        var file = new PcapNgBytes().Section().Interface(1).Enhanced(0, 1, FrameA).Enhanced(5, 1, FrameB);

        var read = CapturedFrames.Read(file.ToArray(), "x.pcapng");

        Assert.Single(read.Frames);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.EndsWith("packet refers to interface 5, but the section defines 1", read.ErrorMessage);
    }

    [Fact]
    public void SimplePacket_TakesTheLastTimestampAndIsCutToSnaplenAndOriginalLength()
    {
        var file = new PcapNgBytes()
            .Section()
            .Interface(linkType: 1, snapshotLength: 50)
            .Simple(FrameA, originalLength: 61)      // before any timestamp: 0; snaplen cuts it to 50
            .Enhanced(0, MicrosecondsAt, FrameB)
            .Simple(FrameC[..10], originalLength: 10) // padded to 12 in the block: the padding is not data
            .Simple(FrameB, originalLength: 1514);    // a jumbo frame cut by snaplen

        var read = CapturedFrames.Read(file.ToArray(), "spb.pcapng");

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(4, read.Frames.Count);
        Assert.Equal(FrameA[..50], read.Frames[0].Data);
        Assert.Equal((61, 0L), (read.Frames[0].OriginalLength, read.Frames[0].UnixNanoseconds));
        Assert.Equal(FrameC[..10], read.Frames[2].Data);
        Assert.Equal((10, NanosecondsAt), (read.Frames[2].OriginalLength, read.Frames[2].UnixNanoseconds));
        Assert.Equal(FrameB, read.Frames[3].Data);
        Assert.Equal((1514, NanosecondsAt), (read.Frames[3].OriginalLength, read.Frames[3].UnixNanoseconds));
    }

    [Fact]
    public void SimplePacket_WithoutAnInterface_IsCorrupt()
    {
        var read = CapturedFrames.Read(new PcapNgBytes().Section().Simple(FrameA, 61).ToArray(), "x.pcapng");

        Assert.Empty(read.Frames);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.Contains("(simple packet block)", read.ErrorMessage);
    }

    [Fact]
    public void ObsoletePacketBlock_IsReadLikeAnEnhancedOne()
    {
        var file = new PcapNgBytes()
            .Section(bigEndian: true)
            .Interface(linkType: 1)
            .Interface(linkType: 0, tsresol: 3)
            .Obsolete(1, 1_700_000_000_123, FrameC, originalLength: 200);

        var read = CapturedFrames.Read(file.ToArray(), "pb.pcapng");

        var frame = Assert.Single(read.Frames);
        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(FrameC, frame.Data);
        Assert.Equal(200, frame.OriginalLength);
        Assert.Equal(LinkType.Null, frame.LinkType);
        Assert.Equal(1_700_000_000_123_000_000, frame.UnixNanoseconds);
    }

    [Fact]
    public void OtherBlocks_AreSkippedByTheirLength_EvenWhenLargerThanTheBuffer()
    {
        var file = new PcapNgBytes()
            .Section(options: [1, 0, 4, 0, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0, 0, 0, 0])
            .Block(4, new byte[16])                  // name resolution
            .Interface(linkType: 1)
            .Enhanced(0, MicrosecondsAt, FrameA)
            .Block(5, new byte[28])                  // interface statistics
            .Block(0x0000_0BAD, new byte[10_000])    // custom / unknown, far larger than the 64-byte buffer
            .Block(10, new byte[300])                // decryption secrets
            .Enhanced(0, MicrosecondsAt, FrameB);

        var read = CapturedFrames.Read(file.ToArray(), "skip.pcapng", bufferSize: 64, maxBytesPerRead: 17);

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(2, read.Frames.Count);
        Assert.Equal(FrameA, read.Frames[0].Data);
        Assert.Equal(FrameB, read.Frames[1].Data);
    }

    [Theory]
    [InlineData(13u, "block total length 13 is not a multiple of 4")]
    [InlineData(8u, "block total length 8 is below the minimum of 12")]
    [InlineData(0x7FFF_FFF0u, "block total length 2147483632 exceeds the limit of 67108864 bytes")]
    public void ImpossibleBlockLength_IsCorrupt(uint totalLength, string problem)
    {
        var file = new PcapNgBytes()
            .Section().Interface(1).Enhanced(0, 1, FrameA)
            .Block(0x0000_0BAD, new byte[8], totalLength: totalLength)
            .Enhanced(0, 2, FrameB);

        var read = CapturedFrames.Read(file.ToArray(), "bad.pcapng");

        Assert.Single(read.Frames);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.Equal($"bad.pcapng: corrupt block 4 (block type 0x00000bad) at byte offset 144: {problem}", read.ErrorMessage);
    }

    [Fact]
    public void PacketBlockShorterThanItsFixedFields_IsCorrupt()
    {
        var file = new PcapNgBytes().Section().Interface(1).Block(6, new byte[12]);

        var read = CapturedFrames.Read(file.ToArray(), "bad.pcapng");

        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.EndsWith("block total length 24 is below the minimum of 32", read.ErrorMessage);
    }

    [Theory]
    [InlineData(6u)]
    [InlineData(0x0000_0BADu)]
    public void TrailingLengthThatDiffers_IsCorrupt(uint type)
    {
        byte[] body = type == 6 ? new byte[20] : new byte[8];
        var file = new PcapNgBytes().Section().Interface(1).Block(type, body, trailingLength: 40);

        var read = CapturedFrames.Read(file.ToArray(), "bad.pcapng");

        Assert.Empty(read.Frames);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.EndsWith($"trailing length 40 differs from the block total length {12 + body.Length}", read.ErrorMessage);
    }

    [Fact]
    public void CapturedLengthPastTheBlock_IsCorrupt()
    {
        var file = new PcapNgBytes().Section().Interface(1).Enhanced(0, 1, FrameA, capturedLength: 65);

        var read = CapturedFrames.Read(file.ToArray(), "bad.pcapng");

        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.EndsWith("captured length 65 runs past the end of the 96-byte block", read.ErrorMessage);
    }

    [Fact]
    public void InterfaceOptionRunningPastTheBlock_IsCorrupt()
    {
        // link type 1, snaplen 0, then option 9 claiming 200 bytes.
        byte[] body = [1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 200, 0, 6, 0, 0, 0];
        var file = new PcapNgBytes().Section().Block(1, body);

        var read = CapturedFrames.Read(file.ToArray(), "bad.pcapng");

        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.EndsWith("option 9 (200 bytes) runs past the end of the block", read.ErrorMessage);
    }

    [Fact]
    public void TruncatedLastBlock_DeliversTheFramesBefore_ThenNamesBlockAndOffset()
    {
        var whole = new PcapNgBytes().Section().Interface(1).Enhanced(0, 1, FrameA).Enhanced(0, 2, FrameB);
        long lastBlockOffset = new PcapNgBytes().Section().Interface(1).Enhanced(0, 1, FrameA).Length;
        byte[] cut = whole.ToArray()[..^10];

        var read = CapturedFrames.Read(cut, "cut.pcapng");

        Assert.Equal(FrameA, Assert.Single(read.Frames).Data);
        Assert.Equal(SourceStatus.Truncated, read.Status);
        Assert.Equal($"cut.pcapng: file cut short in block 4 (enhanced packet block) at byte offset {lastBlockOffset} (72 bytes needed, 62 present)",
            read.ErrorMessage);
    }

    [Fact]
    public void FileCutInsideASkippedBlock_IsTruncated()
    {
        var file = new PcapNgBytes().Section().Interface(1).Block(0x0000_0BAD, new byte[1000]).ToArray()[..^500];

        var read = CapturedFrames.Read(file, "cut.pcapng", bufferSize: 64);

        Assert.Equal(SourceStatus.Truncated, read.Status);
        Assert.Contains("block 3 (block type 0x00000bad) at byte offset 48 (1012 bytes needed, 512 present)", read.ErrorMessage);
    }

    [Fact]
    public void FileCutInsideABlockHeader_IsTruncated()
    {
        var file = new PcapNgBytes().Section().Interface(1).Raw([6, 0, 0, 0, 32]).ToArray();

        var read = CapturedFrames.Read(file, "cut.pcapng");

        Assert.Equal(SourceStatus.Truncated, read.Status);
        Assert.Contains("block 3 (block header)", read.ErrorMessage);
    }

    [Fact]
    public void InterfacesPerSection_AreBounded()
    {
        var file = new PcapNgBytes().Section();
        for (int i = 0; i < CaptureFileLimits.MaxPcapNgInterfacesPerSection; i++)
            file.Interface(linkType: 1);
        file.Enhanced(CaptureFileLimits.MaxPcapNgInterfacesPerSection - 1, 1, FrameA);
        file.Interface(linkType: 1);

        var read = CapturedFrames.Read(file.ToArray(), "many.pcapng");

        Assert.Single(read.Frames);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.EndsWith("the section defines more than 65536 interfaces", read.ErrorMessage);
    }

    [Fact]
    public void SectionAndInterfacesOnly_EndCleanlyWithNoFrames()
    {
        var read = CapturedFrames.Read(new PcapNgBytes().Section().Interface(1).ToArray(), "empty.pcapng");

        Assert.Empty(read.Frames);
        Assert.Equal(SourceStatus.EndOfInput, read.Status);
    }

    [Fact]
    public void BadByteOrderMagic_IsRefusedAtOpen()
    {
        var file = new PcapNgBytes().Section().ToArray();
        file[8] = 0x11;

        Assert.False(CaptureFile.TryOpen(new MemoryStream(file), "odd.pcapng", out _, out var error));
        Assert.Equal("odd.pcapng: corrupt block 1 (section header block) at byte offset 0: byte-order magic 113c2b1a is not 1a2b3c4d in either byte order",
            error);
    }

    [Fact]
    public void UnknownMajorVersion_IsRefusedAtOpen()
    {
        var file = new PcapNgBytes().Section(major: 2).ToArray();

        Assert.False(CaptureFile.TryOpen(new MemoryStream(file), "v2.pcapng", out _, out var error));
        Assert.EndsWith("unsupported pcapng version 2.0 (only 1.x exists)", error);
    }

    [Fact]
    public void CorruptSecondSectionHeader_StopsAfterTheFirstSectionsFrames()
    {
        var first = new PcapNgBytes().Section().Interface(1).Enhanced(0, 1, FrameA).ToArray();
        var second = new PcapNgBytes().Section().ToArray();
        second[11] = 0x00;

        var read = CapturedFrames.Read([.. first, .. second], "two.pcapng");

        Assert.Single(read.Frames);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.Contains($"block 4 (section header block) at byte offset {first.Length}", read.ErrorMessage);
    }

    [Theory]
    [InlineData(64, int.MaxValue)]
    [InlineData(64, 5)]
    [InlineData(128, 1)]
    public void BlocksCrossingChunkEnds_AreReadWhole(int bufferSize, int maxBytesPerRead)
    {
        var file = new PcapNgBytes().Section().Interface(1).Interface(101, tsresol: 9);
        var expected = new List<byte[]>();
        for (int i = 0; i < 200; i++)
        {
            var data = Enumerable.Range(0, (i * 53) % 500).Select(b => (byte)(b ^ i)).ToArray();
            expected.Add(data);
            file.Enhanced((uint)(i % 2), (ulong)i, data);
            if (i % 17 == 0)
                file.Block(5, new byte[(i % 5) * 40]);
        }

        var read = CapturedFrames.Read(file.ToArray(), "chunks.pcapng", bufferSize, maxBytesPerRead);

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(expected.Count, read.Frames.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], read.Frames[i].Data);
            Assert.Equal(i % 2 == 0 ? i * 1000L : i, read.Frames[i].UnixNanoseconds);
        }
    }
}
