using System.Buffers.Binary;

namespace TcpState.Capture.Files;

/// <summary>
/// Writes classic pcap (little-endian, version 2.4) to a stream: test fixtures, and live capture's <c>-w</c>.
/// Records are gathered in one reusable buffer and written in large chunks; nothing is allocated per frame.
/// Call <see cref="Flush"/> to push what is buffered (e.g. on an idle tick of a live capture); <see cref="Dispose"/>
/// flushes too.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _chunk = new byte[ChunkSize];
    private readonly long _nanosecondsPerFractionUnit;
    private int _chunkLength;
    private bool _disposed;

    /// <param name="stream">Where the file goes; written forward only.</param>
    /// <param name="linkType">The one link type of every frame in the file.</param>
    /// <param name="snapshotLength">Frames longer than this are cut to it, as a capture with this snaplen would.</param>
    /// <param name="precision">Microsecond (the common format) or nanosecond timestamps.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open on dispose.</param>
    public PcapWriter(Stream stream, LinkType linkType, int snapshotLength = CaptureFileLimits.StandardMaxSnapshotLength,
        PcapTimestampPrecision precision = PcapTimestampPrecision.Microseconds, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapshotLength);
        if (!stream.CanWrite)
            throw new ArgumentException("the stream is not writable", nameof(stream));
        _stream = stream;
        _leaveOpen = leaveOpen;
        LinkType = linkType;
        SnapshotLength = snapshotLength;
        Precision = precision;
        _nanosecondsPerFractionUnit = precision == PcapTimestampPrecision.Nanoseconds ? 1 : 1000;
        WriteFileHeader();
    }

    public LinkType LinkType { get; }

    public int SnapshotLength { get; }

    public PcapTimestampPrecision Precision { get; }

    public long FramesWritten { get; private set; }

    /// <summary>Writes <paramref name="frame"/>, which must have this file's link type: classic pcap has only one.</summary>
    public void WriteFrame(in Frame frame)
    {
        if (frame.LinkType != LinkType)
        {
            throw new ArgumentException(
                $"the frame's link type {(ushort)frame.LinkType} differs from the file's {(ushort)LinkType}; a pcap file holds one link type",
                nameof(frame));
        }
        Write(frame.Data, frame.OriginalLength, frame.Timestamp);
    }

    /// <summary>
    /// Writes one record. <paramref name="originalLength"/> is the length on the wire (raised to the data's length if
    /// smaller). Times before 1970 or after 2106 do not fit a pcap record and wrap.
    /// </summary>
    public void Write(ReadOnlySpan<byte> data, int originalLength, PacketTime timestamp)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.Length > SnapshotLength)
            data = data[..SnapshotLength];
        originalLength = Math.Max(originalLength, data.Length);

        long seconds = Math.DivRem(timestamp.UnixNanoseconds, PacketTime.NanosecondsPerSecond, out long nanoseconds);
        if (nanoseconds < 0)
        {
            seconds--;
            nanoseconds += PacketTime.NanosecondsPerSecond;
        }

        if (_chunkLength + PcapFormat.RecordHeaderLength > ChunkSize)
            FlushChunk();
        var header = _chunk.AsSpan(_chunkLength, PcapFormat.RecordHeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFormat.SecondsOffset..], unchecked((uint)seconds));
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFormat.FractionOffset..], (uint)(nanoseconds / _nanosecondsPerFractionUnit));
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFormat.CapturedLengthOffset..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFormat.OriginalLengthOffset..], (uint)originalLength);
        _chunkLength += PcapFormat.RecordHeaderLength;

        if (_chunkLength + data.Length <= ChunkSize)
        {
            data.CopyTo(_chunk.AsSpan(_chunkLength));
            _chunkLength += data.Length;
        }
        else
        {
            // Larger than what is left of the chunk: no point copying it through.
            FlushChunk();
            _stream.Write(data);
        }
        FramesWritten++;
    }

    /// <summary>Writes everything buffered to the stream and flushes the stream.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FlushChunk();
        _stream.Flush();
    }

    private void WriteFileHeader()
    {
        var header = _chunk.AsSpan(0, PcapFormat.FileHeaderLength);
        header.Clear();
        uint magic = Precision == PcapTimestampPrecision.Nanoseconds ? PcapFormat.NanosecondMagic : PcapFormat.MicrosecondMagic;
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFormat.MagicOffset..], magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[PcapFormat.MajorVersionOffset..], PcapFormat.MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header[PcapFormat.MinorVersionOffset..], PcapFormat.MinorVersion);
        // thiszone and sigfigs stay 0: every writer since libpcap 0.x leaves them so.
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFormat.SnapshotLengthOffset..], (uint)SnapshotLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFormat.LinkTypeOffset..], (ushort)LinkType);
        _chunkLength = PcapFormat.FileHeaderLength;
    }

    private void FlushChunk()
    {
        if (_chunkLength == 0)
            return;
        _stream.Write(_chunk, 0, _chunkLength);
        _chunkLength = 0;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        try
        {
            FlushChunk();
            _stream.Flush();
        }
        finally
        {
            _disposed = true;
            if (!_leaveOpen)
                _stream.Dispose();
        }
    }
}
