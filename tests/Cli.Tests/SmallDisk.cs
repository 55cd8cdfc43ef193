namespace TcpState.Cli.Tests;

/// <summary>
/// A disk of <c>capacity</c> bytes: a write takes what fits, then fails as Linux does with ENOSPC. Unless
/// <c>keep</c>, it only counts the bytes (to measure the writer's allocations, not its own).
/// </summary>
internal sealed class SmallDisk(long capacity, bool keep = true) : Stream
{
    private readonly MemoryStream _bytes = new();
    private long _length;

    public byte[] Contents => _bytes.ToArray();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int fits = (int)Math.Min(capacity - _length, buffer.Length);
        if (keep)
            _bytes.Write(buffer[..fits]);
        _length += fits;
        if (fits < buffer.Length)
            throw new IOException("No space left on device : '/somewhere/x.pcap'", 28);
    }

    public override void Flush() { }
    public override long Length => _length;
    public override void SetLength(long value)
    {
        _bytes.SetLength(value);
        _length = value;
    }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
}
