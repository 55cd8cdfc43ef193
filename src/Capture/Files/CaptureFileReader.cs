using System.Globalization;
using System.Runtime.CompilerServices;

namespace TcpState.Capture.Files;

/// <summary>
/// What the pcap and pcapng readers share: the read buffer, the status once reading stops, and the rule that no
/// exception leaves <see cref="TryReadFrame"/> for bad input. A format's reader supplies <see cref="ReadNext"/>.
/// </summary>
internal abstract class CaptureFileReader : IPacketSource
{
    private readonly GzipTrailerStream? _gzip;
    private bool _disposed;

    /// <param name="gzip">For gzip input, the compressed stream's trailer watch; null for plain files.</param>
    protected CaptureFileReader(CaptureReadBuffer buffer, string name, GzipTrailerStream? gzip)
    {
        Buffer = buffer;
        Name = name;
        _gzip = gzip;
    }

    public string Name { get; }

    public SourceStatus Status { get; private set; } = SourceStatus.Reading;

    public string? ErrorMessage { get; private set; }

    protected CaptureReadBuffer Buffer { get; }

    /// <summary>The read buffer's size now, which the largest record so far decided (tests and the fuzzer bound it).</summary>
    internal int BufferCapacity => Buffer.Capacity;

    public bool TryReadFrame(out Frame frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Status != SourceStatus.Reading)
        {
            frame = default;
            return false;
        }
        try
        {
            return ReadNext(out frame);
        }
        catch (InvalidDataException)
        {
            // GZipStream's way of saying the deflate data is damaged. Its message speaks of "archive entries" and
            // "compression methods" (it is shared with ZipArchive), which would only mislead here.
            frame = default;
            return Stop(SourceStatus.Corrupt, $"{Name}: gzip data is corrupt near {OffsetText(Buffer.Position)}");
        }
        catch (IOException e)
        {
            frame = default;
            return Stop(SourceStatus.Unreadable, $"{Name}: read error near {OffsetText(Buffer.Position)}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            frame = default;
            return Stop(SourceStatus.Unreadable, $"{Name}: read error near {OffsetText(Buffer.Position)}: {e.Message}");
        }
    }

    /// <summary>
    /// Reads the next frame, or ends the input through <see cref="EndOfInput"/> or <see cref="Stop"/>.
    /// Stream exceptions may escape; <see cref="TryReadFrame"/> turns them into a status.
    /// </summary>
    protected abstract bool ReadNext(out Frame frame);

    /// <summary>The input ended between records; for gzip input, the trailer check may still prove it cut short.</summary>
    protected bool EndOfInput()
    {
        if (_gzip is not null && _gzip.ProvesCutShort(Buffer.Position))
        {
            return Stop(SourceStatus.Truncated,
                $"{Name}: file cut short: the gzip data stops before its end, at {OffsetText(Buffer.Position)}");
        }
        Status = SourceStatus.EndOfInput;
        return false;
    }

    /// <summary>Stops reading for good with a one-line message; always returns false so callers can return it.</summary>
    protected bool Stop(SourceStatus status, string message)
    {
        Status = status;
        ErrorMessage = message;
        return false;
    }

    /// <summary>"byte offset 1234", or "byte offset 1234 of the decompressed data" for gzip input.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    protected string OffsetText(long offset) =>
        _gzip is not null
            ? string.Create(CultureInfo.InvariantCulture, $"byte offset {offset} of the decompressed data")
            : string.Create(CultureInfo.InvariantCulture, $"byte offset {offset}");

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Buffer.Dispose();
    }
}
