namespace TcpState.Capture.Files;

/// <summary>
/// Passes a gzip file's compressed bytes through to <see cref="System.IO.Compression.GZipStream"/> and remembers
/// the last eight, which in a whole file are the final member's CRC-32 and ISIZE (RFC 1952 section 2.3.1).
/// </summary>
/// <remarks>
/// GZipStream reports neither a deflate stream that stops early nor a bad trailer: a gzip file cut short just
/// decompresses to less. Usually the cut falls inside a record and the reader reports it, but when it falls on a
/// record boundary the input would look whole. ISIZE is the last member's uncompressed length modulo 2^32, never
/// more than all the bytes decompressed; so when the final four bytes claim more than that (and less than 4 GiB came
/// out, so no wrap), the file certainly ended before its trailer. Random bytes in place of a trailer claim more
/// with probability 1 - length / 2^32; smaller claims are indistinguishable from concatenated members and pass.
/// </remarks>
internal sealed class GzipTrailerStream(Stream inner) : Stream
{
    private const int TrailerLength = 8;
    private ulong _lastBytes;
    private int _bytesSeen;
    private bool _reachedEnd;

    /// <summary>True when the compressed input ended where the trailer proves it should not have.</summary>
    public bool ProvesCutShort(long decompressedLength)
    {
        if (!_reachedEnd || _bytesSeen < TrailerLength || decompressedLength >= 1L << 32)
            return false;
        uint recordedLength = (uint)(_lastBytes >> 32); // ISIZE, the last four bytes, little-endian
        return recordedLength > decompressedLength;
    }

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
        int read = inner.Read(buffer);
        if (read <= 0)
        {
            if (buffer.Length > 0)
                _reachedEnd = true;
            return read;
        }
        // A shift register of the last eight bytes: each new byte enters at the top, so the oldest sits lowest.
        foreach (byte b in buffer[Math.Max(0, read - TrailerLength)..read])
            _lastBytes = (_lastBytes >> 8) | ((ulong)b << 56);
        _bytesSeen = (int)Math.Min(_bytesSeen + (long)read, TrailerLength);
        return read;
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
