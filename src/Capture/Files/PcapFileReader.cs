using System.Buffers.Binary;
using System.Globalization;

namespace TcpState.Capture.Files;

/// <summary>
/// Reads classic pcap (draft-ietf-opsawg-pcap): microsecond or nanosecond timestamps, either byte order.
/// One link type for the whole file; frames are spans into the read buffer.
/// </summary>
internal sealed class PcapFileReader : CaptureFileReader
{
    private readonly bool _bigEndian;
    private readonly long _nanosecondsPerFractionUnit;
    private readonly LinkType _linkType;
    private readonly int _recordLimit;
    private long _recordNumber;

    private PcapFileReader(CaptureReadBuffer buffer, string name, GzipTrailerStream? gzip, bool bigEndian, bool nanosecond,
        LinkType linkType, uint snapshotLength)
        : base(buffer, name, gzip)
    {
        _bigEndian = bigEndian;
        _nanosecondsPerFractionUnit = nanosecond ? 1 : 1000;
        _linkType = linkType;
        SnapshotLength = snapshotLength;
        _recordLimit = CaptureFileLimits.PcapRecordLimit(snapshotLength);
    }

    public LinkType LinkType => _linkType;

    public uint SnapshotLength { get; }

    /// <summary>
    /// Reads the file header from <paramref name="buffer"/>, whose first bytes are a pcap magic number.
    /// On failure the buffer is left to the caller to dispose.
    /// </summary>
    public static bool TryCreate(CaptureReadBuffer buffer, string name, GzipTrailerStream? gzip,
        out PcapFileReader? reader, out string? error)
    {
        reader = null;
        if (!buffer.TryEnsure(PcapFormat.FileHeaderLength))
        {
            error = string.Create(CultureInfo.InvariantCulture,
                $"{name}: pcap file header cut short ({buffer.Available} of {PcapFormat.FileHeaderLength} bytes)");
            return false;
        }
        var header = buffer.Peek(PcapFormat.FileHeaderLength);
        uint littleEndianMagic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        uint bigEndianMagic = BinaryPrimitives.ReadUInt32BigEndian(header);
        bool bigEndian = bigEndianMagic is PcapFormat.MicrosecondMagic or PcapFormat.NanosecondMagic;
        uint magic = bigEndian ? bigEndianMagic : littleEndianMagic;
        if (magic is not (PcapFormat.MicrosecondMagic or PcapFormat.NanosecondMagic))
        {
            error = $"{name}: not a pcap file (bad magic number)";
            return false;
        }

        ushort major = ReadUInt16(header[PcapFormat.MajorVersionOffset..], bigEndian);
        ushort minor = ReadUInt16(header[PcapFormat.MinorVersionOffset..], bigEndian);
        if (major != PcapFormat.MajorVersion)
        {
            error = string.Create(CultureInfo.InvariantCulture,
                $"{name}: unsupported pcap version {major}.{minor} (only {PcapFormat.MajorVersion}.x exists)");
            return false;
        }
        uint snapshotLength = ReadUInt32(header[PcapFormat.SnapshotLengthOffset..], bigEndian);
        var linkType = (LinkType)(ReadUInt32(header[PcapFormat.LinkTypeOffset..], bigEndian) & PcapFormat.LinkTypeMask);
        buffer.Advance(PcapFormat.FileHeaderLength);

        reader = new PcapFileReader(buffer, name, gzip, bigEndian, magic == PcapFormat.NanosecondMagic,
            linkType, snapshotLength);
        error = null;
        return true;
    }

    protected override bool ReadNext(out Frame frame)
    {
        frame = default;
        var buffer = Buffer;
        if (!buffer.TryEnsure(PcapFormat.RecordHeaderLength))
        {
            return buffer.Available == 0
                ? EndOfInput()
                : Truncated(PcapFormat.RecordHeaderLength, "record header");
        }

        var header = buffer.Peek(PcapFormat.RecordHeaderLength);
        uint seconds = ReadUInt32(header[PcapFormat.SecondsOffset..], _bigEndian);
        uint fraction = ReadUInt32(header[PcapFormat.FractionOffset..], _bigEndian);
        uint capturedLength = ReadUInt32(header[PcapFormat.CapturedLengthOffset..], _bigEndian);
        uint originalLength = ReadUInt32(header[PcapFormat.OriginalLengthOffset..], _bigEndian);
        if (capturedLength > (uint)_recordLimit)
            return CorruptLength(capturedLength);

        int recordLength = PcapFormat.RecordHeaderLength + (int)capturedLength;
        if (!buffer.TryEnsure(recordLength))
            return Truncated(recordLength, "record");

        // ts_sec is unsigned since the 2106 clarification of the format; the fraction is not range-checked because
        // writers that overflow it (1,000,000 µs) still mean a time, as libpcap and Wireshark take it.
        var timestamp = new PacketTime(seconds * PacketTime.NanosecondsPerSecond + fraction * _nanosecondsPerFractionUnit);
        frame = new Frame(buffer.Peek(recordLength)[PcapFormat.RecordHeaderLength..],
            (int)Math.Min(originalLength, int.MaxValue), timestamp, _linkType);
        buffer.Advance(recordLength);
        _recordNumber++;
        return true;
    }

    private bool Truncated(int needed, string what) =>
        Stop(SourceStatus.Truncated, string.Create(CultureInfo.InvariantCulture,
            $"{Name}: file cut short in {what} {_recordNumber + 1} at {OffsetText(Buffer.Position)} ({needed} bytes needed, {Buffer.Available} present)"));

    private bool CorruptLength(uint capturedLength) =>
        Stop(SourceStatus.Corrupt, string.Create(CultureInfo.InvariantCulture,
            $"{Name}: corrupt record {_recordNumber + 1} at {OffsetText(Buffer.Position)}: captured length {capturedLength} exceeds the limit of {_recordLimit} bytes"));

    private static uint ReadUInt32(ReadOnlySpan<byte> bytes, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private static ushort ReadUInt16(ReadOnlySpan<byte> bytes, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);
}
