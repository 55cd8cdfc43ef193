using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Files;

public class CaptureFileTests
{
    private static readonly byte[] Payload = Enumerable.Range(0, 80).Select(i => (byte)i).ToArray();

    [Fact]
    public void MissingFile_SaysNoSuchFile()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "x.pcap");

        Assert.False(CaptureFile.TryOpen(path, out var source, out var error));
        Assert.Null(source);
        Assert.Equal($"cannot open {path}: no such file", error);
    }

    [Fact]
    public void MissingDirectory_SaysNoSuchFile()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "nowhere", "x.pcap");

        Assert.False(CaptureFile.TryOpen(path, out _, out var error));
        Assert.Equal($"cannot open {path}: no such file", error);
    }

    [Fact]
    public void Directory_SaysSo()
    {
        using var dir = new TempDirectory();

        Assert.False(CaptureFile.TryOpen(dir.Path, out _, out var error));
        Assert.Equal($"cannot open {dir.Path}: is a directory", error);
    }

    [Fact]
    public void TextFile_IsNotACapture_AndTheMessageShowsItsFirstBytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("notes.txt", "hello, this is not a capture\n"u8.ToArray());

        Assert.False(CaptureFile.TryOpen(path, out var source, out var error));
        Assert.Null(source);
        Assert.Equal($"{path}: not a pcap or pcapng file (starts with 68 65 6c 6c)", error);
    }

    [Fact]
    public void TwoByteFile_IsNotACapture()
    {
        Assert.False(CaptureFile.TryOpen(new MemoryStream("hi"u8.ToArray()), "hi.txt", out _, out var error));
        Assert.Equal("hi.txt: not a pcap or pcapng file (starts with 68 69)", error);
    }

    [Fact]
    public void EmptyFile_IsRefused()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.pcap", []);

        Assert.False(CaptureFile.TryOpen(path, out _, out var error));
        Assert.Equal($"{path}: empty file, not a pcap or pcapng capture", error);
    }

    [Fact]
    public void EmptyStandardInput_IsCalledThat()
    {
        Assert.False(CaptureFile.TryOpen(new ForwardOnlyStream([]), "-", out _, out var error));
        Assert.Equal("-: standard input is empty, not a pcap or pcapng capture", error);
    }

    [Fact]
    public void ModifiedPcap_IsNamedInTheError()
    {
        var file = new PcapBytes().ToArray();
        file[0] = 0x34; file[1] = 0xCD; // a1b2cd34 little-endian

        Assert.False(CaptureFile.TryOpen(new MemoryStream(file), "kuz.pcap", out _, out var error));
        Assert.Equal("kuz.pcap: modified (Kuznetzov) pcap is not supported; convert it with editcap -F pcap", error);
    }

    [Theory]
    [InlineData("only-header.pcap")]
    [InlineData("only-header.pcapng")]
    public void HeaderOnlyFile_OpensAndEndsWithNoFrames(string name)
    {
        using var dir = new TempDirectory();
        byte[] contents = name.EndsWith("ng") ? new PcapNgBytes().Section().ToArray() : new PcapBytes().ToArray();
        string path = dir.File(name, contents);

        Assert.True(CaptureFile.TryOpen(path, out var source, out var error), error);
        using (source)
        {
            Assert.False(source!.TryReadFrame(out _));
            Assert.Equal(SourceStatus.EndOfInput, source.Status);
            Assert.Null(source.ErrorMessage);
            Assert.Equal(path, source.Name);
        }
    }

    [Fact]
    public void FileOnDisk_ReadsLikeTheSameBytesInMemory()
    {
        using var dir = new TempDirectory();
        var bytes = new PcapNgBytes().Section().Interface(1).Enhanced(0, 42, Payload).Enhanced(0, 43, Payload[..10]).ToArray();
        string path = dir.File("disk.pcapng", bytes);

        Assert.True(CaptureFile.TryOpen(path, out var source, out var error), error);
        using (source)
        {
            var read = CapturedFrames.From(source!);
            Assert.Equal(SourceStatus.EndOfInput, read.Status);
            Assert.Equal(2, read.Frames.Count);
            Assert.Equal(Payload[..10], read.Frames[1].Data);
            Assert.Equal(43_000L, read.Frames[1].UnixNanoseconds);
        }
    }

    [Fact]
    public void GzippedFileOnDisk_NamedPcap_IsDecompressed()
    {
        using var dir = new TempDirectory();
        var plain = new PcapBytes().Record(1, 2, Payload).ToArray();
        string path = dir.File("really-gzip.pcap", GzipTests.Gzip(plain));

        Assert.True(CaptureFile.TryOpen(path, out var source, out var error), error);
        using (source)
        {
            var read = CapturedFrames.From(source!);
            Assert.Equal(Payload, Assert.Single(read.Frames).Data);
            Assert.Equal(SourceStatus.EndOfInput, read.Status);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PipeLikeStream_OneByteAtATime_IsReadWithoutSeeking(bool pcapNg)
    {
        byte[] bytes = pcapNg
            ? new PcapNgBytes().Section().Interface(1).Enhanced(0, 1, Payload).Enhanced(0, 2, Payload).ToArray()
            : new PcapBytes().Record(1, 0, Payload).Record(2, 0, Payload).ToArray();
        var pipe = new ForwardOnlyStream(bytes, maxBytesPerRead: 1);

        Assert.True(CaptureFile.TryOpen(pipe, "-", out var source, out var error), error);
        using (source)
        {
            var read = CapturedFrames.From(source!);
            Assert.Equal("-", source!.Name);
            Assert.Equal(2, read.Frames.Count);
            Assert.Equal(Payload, read.Frames[1].Data);
            Assert.Equal(SourceStatus.EndOfInput, read.Status);
        }
        Assert.True(pipe.Disposed);
    }

    [Fact]
    public void RefusedStream_IsDisposed()
    {
        var stream = new ForwardOnlyStream("not a capture"u8.ToArray());

        Assert.False(CaptureFile.TryOpen(stream, "x", out _, out _));
        Assert.True(stream.Disposed);
    }

    [Fact]
    public void ReadError_AfterSomeFrames_IsUnreadable_AndTheFramesBeforeStand()
    {
        var bytes = new PcapBytes().Record(1, 0, Payload).Record(2, 0, Payload).ToArray();
        var stream = new FailingStream(bytes, failAfter: bytes.Length - 10);

        Assert.True(CaptureFile.TryOpen(stream, "disk.pcap", 64, out var source, out var error), error);
        using (source)
        {
            var read = CapturedFrames.From(source!);
            Assert.Single(read.Frames);
            Assert.Equal(SourceStatus.Unreadable, read.Status);
            Assert.Equal("disk.pcap: read error near byte offset 120: Input/output error", read.ErrorMessage);
        }
    }

    /// <summary>Serves <paramref name="failAfter"/> bytes, then fails as a dying disk does.</summary>
    private sealed class FailingStream(byte[] bytes, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter)
                throw new IOException("Input/output error");
            int n = Math.Min(count, failAfter - _position);
            Array.Copy(bytes, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
