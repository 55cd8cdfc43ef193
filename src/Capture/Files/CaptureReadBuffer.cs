using System.Buffers;
using System.Runtime.CompilerServices;

namespace TcpState.Capture.Files;

/// <summary>
/// A forward-only window over a stream, filled in large chunks into one reusable array. Readers look at the bytes
/// in place (<see cref="Peek"/>) and hand frames out as spans into it; the array is compacted when a record crosses
/// its end and grows only for a record larger than itself, as that record's bytes arrive. Never seeks: stdin and gzip
/// streams cannot.
/// </summary>
internal sealed class CaptureReadBuffer : IDisposable
{
    /// <summary>1 MiB: big enough that one read call serves thousands of typical frames.</summary>
    public const int DefaultSize = 1024 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _positionOfStart;
    private bool _streamEnded;

    /// <param name="stream">The stream to read; disposed with this buffer.</param>
    /// <param name="alreadyRead">Bytes the caller consumed from the stream to recognise the format; they come first.</param>
    /// <param name="initialSize">The chunk size; tests pass tiny sizes to exercise records crossing chunk ends.</param>
    public CaptureReadBuffer(Stream stream, ReadOnlySpan<byte> alreadyRead, int initialSize = DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialSize, 16);
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialSize, alreadyRead.Length));
        alreadyRead.CopyTo(_buffer);
        _end = alreadyRead.Length;
    }

    /// <summary>Offset in the (decompressed) input of the first byte not yet consumed.</summary>
    public long Position => _positionOfStart;

    /// <summary>Bytes buffered and not yet consumed; after a failed <see cref="TryEnsure"/>, all that is left of the input.</summary>
    public int Available => _end - _start;

    /// <summary>The current capacity; grows only when a record needs it.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>
    /// Makes <paramref name="count"/> bytes available at <see cref="Position"/>. False when the input ends first.
    /// May move the buffered bytes, so spans from earlier <see cref="Peek"/> calls are invalid afterwards.
    /// Stream exceptions (I/O, corrupt gzip) propagate; the readers turn them into a status.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnsure(int count) => _end - _start >= count || Fill(count);

    /// <summary>The next <paramref name="count"/> bytes; only after <see cref="TryEnsure"/> said they are there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Peek(int count) => new(_buffer, _start, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count)
    {
        _start += count;
        _positionOfStart += count;
    }

    /// <summary>
    /// Consumes <paramref name="count"/> bytes without needing them to fit in the buffer (pcapng blocks nobody reads).
    /// False when the input ends first; everything left is then consumed.
    /// </summary>
    public bool TrySkip(long count)
    {
        while (true)
        {
            int available = _end - _start;
            if (available >= count)
            {
                Advance((int)count);
                return true;
            }
            count -= available;
            _positionOfStart += available;
            _start = _end = 0;
            if (!ReadMore())
                return false;
        }
    }

    private bool Fill(int count)
    {
        if (_start > 0 && _buffer.Length - _start < count)
            Compact();
        while (_end - _start < count)
        {
            if (_end == _buffer.Length)
                Grow(count);
            if (!ReadMore())
                return false;
        }
        return true;
    }

    // Only reached when the record does not fit between the unconsumed tail and the end, so the copy is at most one record.
    private void Compact()
    {
        int available = _end - _start;
        Buffer.BlockCopy(_buffer, _start, _buffer, 0, available);
        _start = 0;
        _end = available;
    }

    /// <summary>
    /// Doubles the buffer (never past <paramref name="count"/>), and only once it is full of bytes that arrived. A length
    /// field is what the file claims, not what it holds: a block that says it is 64 MiB long in a file that ends 100
    /// bytes later must cost what the file holds.
    /// </summary>
    private void Grow(int count)
    {
        int available = _end - _start;
        int size = (int)Math.Min(Math.Min((long)_buffer.Length * 2, count), Array.MaxLength);
        var larger = ArrayPool<byte>.Shared.Rent(size);
        Buffer.BlockCopy(_buffer, _start, larger, 0, available);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
        _start = 0;
        _end = available;
    }

    private bool ReadMore()
    {
        if (_streamEnded || _end == _buffer.Length)
            return false;
        int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read <= 0)
        {
            _streamEnded = true;
            return false;
        }
        _end += read;
        return true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        var buffer = _buffer;
        _buffer = [];
        _start = _end = 0;
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
