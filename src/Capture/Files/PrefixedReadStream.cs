namespace TcpState.Capture.Files;

/// <summary>
/// A read-only stream that yields bytes already taken from <paramref name="inner"/> (to recognise the format) and
/// then the rest of it. This is how a gzip header is sniffed on stdin, which cannot seek back.
/// </summary>
internal sealed class PrefixedReadStream(byte[] prefix, Stream inner) : Stream
{
    private int _prefixPosition;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int remaining = prefix.Length - _prefixPosition;
        if (remaining == 0)
            return inner.Read(buffer);
        int copied = Math.Min(remaining, buffer.Length);
        prefix.AsSpan(_prefixPosition, copied).CopyTo(buffer);
        _prefixPosition += copied;
        return copied;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
