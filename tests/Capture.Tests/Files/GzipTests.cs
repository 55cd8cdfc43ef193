using System.IO.Compression;
using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Files;

public class GzipTests
{
    private static readonly byte[] Payload = Enumerable.Range(0, 200).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public void GzippedPcap_ReadsAsThePlainFile_WhateverItsName()
    {
        var plain = SamplePcap(50);

        var fromPlain = CapturedFrames.Read(plain, "trace.pcap");
        var fromGzip = CapturedFrames.Read(Gzip(plain), "trace.pcap");

        Assert.Equal(SourceStatus.EndOfInput, fromGzip.Status);
        AssertSameFrames(fromPlain, fromGzip);
        Assert.Equal(50, fromGzip.Frames.Count);
    }

    [Fact]
    public void GzippedPcapNg_ReadsAsThePlainFile()
    {
        var plain = new PcapNgBytes()
            .Section(bigEndian: true).Interface(1).Interface(113, tsresol: 9)
            .Enhanced(0, 1_000_000, Payload).Enhanced(1, 2_000_000_000, Payload[..60])
            .Section().Interface(101).Simple(Payload[..20], 20)
            .ToArray();

        var fromPlain = CapturedFrames.Read(plain, "trace.pcapng");
        var fromGzip = CapturedFrames.Read(Gzip(plain), "trace.pcapng.gz", bufferSize: 64, maxBytesPerRead: 3);

        Assert.Equal(SourceStatus.EndOfInput, fromGzip.Status);
        Assert.Equal(3, fromGzip.Frames.Count);
        AssertSameFrames(fromPlain, fromGzip);
    }

    [Fact]
    public void ConcatenatedGzipMembers_ReadAsOneCapture()
    {
        // `cat part1.gz part2.gz`: a record may even straddle the two members.
        var plain = SamplePcap(10);
        int split = plain.Length / 2 + 3;

        var read = CapturedFrames.Read([.. Gzip(plain[..split]), .. Gzip(plain[split..])], "joined.pcap.gz");

        Assert.Equal(SourceStatus.EndOfInput, read.Status);
        Assert.Equal(10, read.Frames.Count);
    }

    [Fact]
    public void GzippedText_IsNotACapture()
    {
        var gzip = Gzip("hello, world\n"u8.ToArray());

        Assert.False(CaptureFile.TryOpen(new MemoryStream(gzip), "notes.gz", out var source, out var error));
        Assert.Null(source);
        Assert.Equal("notes.gz: not a pcap or pcapng file inside the gzip data (starts with 68 65 6c 6c)", error);
    }

    [Fact]
    public void GzipCutShort_DeliversWhatDecompressed_ThenStopsWithoutThrowing()
    {
        var plain = SamplePcap(2000);
        var gzip = Gzip(plain);

        var read = CapturedFrames.Read(gzip[..(gzip.Length / 2)], "cut.pcap.gz");

        Assert.InRange(read.Frames.Count, 1, 1999);
        Assert.Equal(SourceStatus.Truncated, read.Status);
        Assert.Contains("of the decompressed data", read.ErrorMessage);
    }

    [Fact]
    public void CorruptGzipData_IsReportedAsCorrupt_WithoutThrowing()
    {
        var gzip = Gzip(SamplePcap(2000));
        // Garble the deflate stream well past its start, so the file header decompresses and the damage comes later.
        for (int i = gzip.Length / 2; i < gzip.Length / 2 + 64; i++)
            gzip[i] ^= 0x5A;

        var read = CapturedFrames.Read(gzip, "bad.pcap.gz");

        Assert.InRange(read.Frames.Count, 1, 1999);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        // Either the inflater rejects the damage, or it inflates into garbage whose record header is impossible.
        Assert.Matches(@"^bad\.pcap\.gz: (gzip data is corrupt near|corrupt record \d+ at) byte offset \d+ of the decompressed data", read.ErrorMessage);
    }

    [Fact]
    public void DeflateBlockOfReservedType_IsCorrupt_AfterTheFramesBeforeIt()
    {
        // Hand-made deflate (RFC 1951): a stored block holding a pcap, then a block of the reserved type 11.
        // The stored block is several times GZipStream's input chunk, so its start decompresses before the damage.
        var plain = SamplePcap(500);
        Assert.InRange(plain.Length, 32 * 1024, ushort.MaxValue);
        var gzip = new List<byte> { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
        gzip.Add(0); // BFINAL 0, BTYPE 00 (stored)
        gzip.AddRange([(byte)plain.Length, (byte)(plain.Length >> 8), (byte)~plain.Length, (byte)(~plain.Length >> 8)]);
        gzip.AddRange(plain);
        gzip.Add(0b111); // BFINAL 1, BTYPE 11: reserved, an error
        gzip.AddRange(new byte[8]);

        var read = CapturedFrames.Read([.. gzip], "bad.pcap.gz", bufferSize: 4096);

        Assert.InRange(read.Frames.Count, 1, 500);
        Assert.Equal(SourceStatus.Corrupt, read.Status);
        Assert.Matches(@"^bad\.pcap\.gz: gzip data is corrupt near byte offset \d+ of the decompressed data$", read.ErrorMessage);
    }

    [Fact]
    public void CorruptGzipHeader_IsRefusedAtOpen()
    {
        var gzip = Gzip(SamplePcap(3));
        gzip[2] = 7; // compression method: only 8 (deflate) exists

        Assert.False(CaptureFile.TryOpen(new MemoryStream(gzip), "bad.gz", out _, out var error));
        Assert.Equal("bad.gz: gzip data is corrupt at its start", error);
    }

    [Fact]
    public void GzipMissingOnlyItsTrailer_IsTruncated_ThoughEveryRecordDecompressed()
    {
        // The cut lands on a record boundary, which GZipStream cannot see; the trailer check must.
        var gzip = Gzip(SamplePcap(3));

        var read = CapturedFrames.Read(gzip[..^4], "cut.pcap.gz");

        Assert.Equal(3, read.Frames.Count);
        Assert.Equal(SourceStatus.Truncated, read.Status);
        Assert.Equal($"cut.pcap.gz: file cut short: the gzip data stops before its end, at byte offset {SamplePcap(3).Length} of the decompressed data",
            read.ErrorMessage);
    }

    [Fact]
    public void GzipOfNothing_IsRefusedAtOpen()
    {
        // RFC 1952 member: header (no flags, OS unix), an empty final fixed-Huffman block (03 00), CRC 0, ISIZE 0.
        byte[] emptyMember = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.False(CaptureFile.TryOpen(new MemoryStream(emptyMember), "nothing.gz", out _, out var error));
        Assert.Equal("nothing.gz: gzip data decompresses to nothing", error);
    }

    internal static byte[] Gzip(byte[] plain)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(plain);
        return compressed.ToArray();
    }

    private static byte[] SamplePcap(int frames)
    {
        var file = new PcapBytes(nanoseconds: true);
        for (int i = 0; i < frames; i++)
            file.Record((uint)(1_600_000_000 + i), (uint)i, Payload[..(i % Payload.Length)]);
        return file.ToArray();
    }

    private static void AssertSameFrames(CapturedFrames expected, CapturedFrames actual)
    {
        Assert.Equal(expected.Frames.Count, actual.Frames.Count);
        for (int i = 0; i < expected.Frames.Count; i++)
        {
            Assert.Equal(expected.Frames[i].Data, actual.Frames[i].Data);
            Assert.Equal(expected.Frames[i].OriginalLength, actual.Frames[i].OriginalLength);
            Assert.Equal(expected.Frames[i].UnixNanoseconds, actual.Frames[i].UnixNanoseconds);
            Assert.Equal(expected.Frames[i].LinkType, actual.Frames[i].LinkType);
        }
    }
}
