using System.Buffers.Binary;
using System.Globalization;

namespace TcpState.Capture.Files;

/// <summary>
/// Reads pcapng (draft-ietf-opsawg-pcapng): any number of sections, each with its own byte order and interfaces;
/// every frame carries its interface's link type and timestamp conversion. Enhanced, simple and obsolete packet
/// blocks become frames; every other block is skipped by its length without being buffered.
/// </summary>
internal sealed class PcapNgFileReader : CaptureFileReader
{
    private bool _bigEndian;
    private PcapNgInterface[] _interfaces = new PcapNgInterface[4];
    private int _interfaceCount;
    private long _blockNumber;
    private PacketTime _lastTimestamp;

    private PcapNgFileReader(CaptureReadBuffer buffer, string name, GzipTrailerStream? gzip)
        : base(buffer, name, gzip)
    {
    }

    /// <summary>Sections read so far, including the current one.</summary>
    public int SectionCount { get; private set; }

    /// <summary>
    /// Reads the first section header from <paramref name="buffer"/>, whose first bytes are the SHB block type.
    /// On failure the buffer is left to the caller to dispose.
    /// </summary>
    public static bool TryCreate(CaptureReadBuffer buffer, string name, GzipTrailerStream? gzip,
        out PcapNgFileReader? reader, out string? error)
    {
        var candidate = new PcapNgFileReader(buffer, name, gzip);
        if (!candidate.TryReadSectionHeader())
        {
            reader = null;
            error = candidate.ErrorMessage;
            return false;
        }
        reader = candidate;
        error = null;
        return true;
    }

    protected override bool ReadNext(out Frame frame)
    {
        frame = default;
        var buffer = Buffer;
        while (true)
        {
            if (!buffer.TryEnsure(PcapNgFormat.BlockHeaderLength))
            {
                return buffer.Available == 0
                    ? EndOfInput()
                    : Truncated(_blockNumber + 1, "block header", buffer.Position, PcapNgFormat.BlockHeaderLength, buffer.Available);
            }

            var header = buffer.Peek(PcapNgFormat.BlockHeaderLength);
            uint type = ReadUInt32(header);
            // The SHB type reads the same in both byte orders, so a new section is recognised before its byte order is known.
            if (type == PcapNgFormat.SectionHeaderBlock)
            {
                if (!TryReadSectionHeader())
                    return false;
                continue;
            }

            uint totalLength = ReadUInt32(header[4..]);
            _blockNumber++;
            if (!IsValidLength(type, totalLength))
                return false;

            switch (type)
            {
                case PcapNgFormat.EnhancedPacketBlock:
                case PcapNgFormat.PacketBlock:
                case PcapNgFormat.SimplePacketBlock:
                    return TryReadPacketBlock(type, (int)totalLength, out frame);
                case PcapNgFormat.InterfaceDescriptionBlock:
                    if (!TryReadInterfaceDescription((int)totalLength))
                        return false;
                    break;
                default:
                    if (!TrySkipBlock(type, totalLength))
                        return false;
                    break;
            }
        }
    }

    private bool TryReadSectionHeader()
    {
        var buffer = Buffer;
        long blockStart = buffer.Position;
        _blockNumber++;
        const int NeededForByteOrder = PcapNgFormat.ByteOrderMagicOffset + 4;
        if (!buffer.TryEnsure(NeededForByteOrder))
        {
            return Truncated(_blockNumber, "section header block", blockStart, PcapNgFormat.MinSectionHeaderLength, buffer.Available);
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(buffer.Peek(NeededForByteOrder)[PcapNgFormat.ByteOrderMagicOffset..]);
        if (magic == PcapNgFormat.ByteOrderMagic)
            _bigEndian = false;
        else if (BinaryPrimitives.ReverseEndianness(magic) == PcapNgFormat.ByteOrderMagic)
            _bigEndian = true;
        else
            return Corrupt(PcapNgFormat.SectionHeaderBlock, blockStart,
                $"byte-order magic {BinaryPrimitives.ReverseEndianness(magic):x8} is not 1a2b3c4d in either byte order");

        uint totalLength = ReadUInt32(buffer.Peek(NeededForByteOrder)[4..]);
        if (!IsValidLength(PcapNgFormat.SectionHeaderBlock, totalLength) || !TryEnsureBlock(PcapNgFormat.SectionHeaderBlock, (int)totalLength))
            return false;

        var block = buffer.Peek((int)totalLength);
        ushort major = ReadUInt16(block[PcapNgFormat.MajorVersionOffset..]);
        ushort minor = ReadUInt16(block[PcapNgFormat.MinorVersionOffset..]);
        if (major != PcapNgFormat.MajorVersion)
            return Corrupt(PcapNgFormat.SectionHeaderBlock, blockStart,
                $"unsupported pcapng version {major}.{minor} (only {PcapNgFormat.MajorVersion}.x exists)");

        // Interface ids are numbered per section (pcapng section 4.1): a new section forgets the old interfaces.
        _interfaceCount = 0;
        SectionCount++;
        buffer.Advance((int)totalLength);
        return true;
    }

    private bool TryReadInterfaceDescription(int totalLength)
    {
        if (!TryEnsureBlock(PcapNgFormat.InterfaceDescriptionBlock, totalLength))
            return false;
        var buffer = Buffer;
        if (_interfaceCount >= CaptureFileLimits.MaxPcapNgInterfacesPerSection)
            return Corrupt(PcapNgFormat.InterfaceDescriptionBlock, buffer.Position,
                $"the section defines more than {CaptureFileLimits.MaxPcapNgInterfacesPerSection} interfaces");

        var block = buffer.Peek(totalLength);
        var linkType = (LinkType)ReadUInt16(block[PcapNgFormat.LinkTypeOffset..]);
        uint snapshotLength = ReadUInt32(block[PcapNgFormat.SnapshotLengthOffset..]);
        var resolution = PcapNgTimestampResolution.Microseconds;
        long offsetSeconds = 0;

        var options = block[PcapNgFormat.InterfaceOptionsOffset..(totalLength - 4)];
        while (options.Length >= 4)
        {
            ushort code = ReadUInt16(options);
            int length = ReadUInt16(options[2..]);
            if (code == PcapNgFormat.EndOfOptions)
                break;
            if (4 + length > options.Length)
                return Corrupt(PcapNgFormat.InterfaceDescriptionBlock, buffer.Position,
                    $"option {code} ({length} bytes) runs past the end of the block");
            var value = options.Slice(4, length);
            if (code == PcapNgFormat.InterfaceTimestampResolution && length == 1)
                resolution = PcapNgTimestampResolution.FromOption(value[0]);
            else if (code == PcapNgFormat.InterfaceTimestampOffset && length == 8)
                offsetSeconds = (long)ReadUInt64(value);
            // Values are padded to 32 bits; tolerate a last option whose padding the writer left out.
            options = options[Math.Min(4 + ((length + 3) & ~3), options.Length)..];
        }

        if (_interfaceCount == _interfaces.Length)
            Array.Resize(ref _interfaces, _interfaces.Length * 2);
        _interfaces[_interfaceCount++] = new PcapNgInterface(linkType, snapshotLength, resolution, offsetSeconds);
        buffer.Advance(totalLength);
        return true;
    }

    private bool TryReadPacketBlock(uint type, int totalLength, out Frame frame)
    {
        frame = default;
        if (!TryEnsureBlock(type, totalLength))
            return false;
        var buffer = Buffer;
        var block = buffer.Peek(totalLength);
        PcapNgInterface networkInterface;
        PacketTime timestamp;
        uint capturedLength;
        uint originalLength;
        int dataOffset;

        if (type == PcapNgFormat.SimplePacketBlock)
        {
            // An SPB belongs to the section's first interface and has no timestamp of its own (pcapng section 4.4).
            if (_interfaceCount == 0)
                return Corrupt(type, buffer.Position, "the section defines no interface for it");
            networkInterface = _interfaces[0];
            originalLength = ReadUInt32(block[PcapNgFormat.SpbOriginalLengthOffset..]);
            capturedLength = Math.Min(originalLength, (uint)(totalLength - PcapNgFormat.MinSimplePacketLength));
            if (networkInterface.SnapshotLength != 0)
                capturedLength = Math.Min(capturedLength, networkInterface.SnapshotLength);
            timestamp = _lastTimestamp;
            dataOffset = PcapNgFormat.SpbDataOffset;
        }
        else
        {
            uint interfaceId = type == PcapNgFormat.EnhancedPacketBlock
                ? ReadUInt32(block[PcapNgFormat.EpbInterfaceIdOffset..])
                : ReadUInt16(block[PcapNgFormat.PbInterfaceIdOffset..]);
            if (interfaceId >= (uint)_interfaceCount)
                return UndefinedInterface(type, interfaceId);
            networkInterface = _interfaces[interfaceId];
            capturedLength = ReadUInt32(block[PcapNgFormat.EpbCapturedLengthOffset..]);
            originalLength = ReadUInt32(block[PcapNgFormat.EpbOriginalLengthOffset..]);
            if (capturedLength > (uint)(totalLength - PcapNgFormat.MinEnhancedPacketLength))
                return CapturedLengthPastBlock(type, capturedLength, totalLength);
            ulong units = ((ulong)ReadUInt32(block[PcapNgFormat.EpbTimestampHighOffset..]) << 32)
                | ReadUInt32(block[PcapNgFormat.EpbTimestampLowOffset..]);
            timestamp = networkInterface.ToPacketTime(units);
            _lastTimestamp = timestamp;
            dataOffset = PcapNgFormat.EpbDataOffset;
        }

        frame = new Frame(block.Slice(dataOffset, (int)capturedLength), (int)Math.Min(originalLength, int.MaxValue),
            timestamp, networkInterface.LinkType);
        buffer.Advance(totalLength);
        return true;
    }

    private bool TrySkipBlock(uint type, uint totalLength)
    {
        var buffer = Buffer;
        long blockStart = buffer.Position;
        const int TrailerLength = 4;
        if (!buffer.TrySkip(totalLength - TrailerLength) || !buffer.TryEnsure(TrailerLength))
        {
            return Truncated(_blockNumber, BlockName(type), blockStart, totalLength,
                buffer.Position - blockStart + buffer.Available);
        }
        uint trailingLength = ReadUInt32(buffer.Peek(TrailerLength));
        if (trailingLength != totalLength)
            return TrailingLengthMismatch(type, blockStart, totalLength, trailingLength);
        buffer.Advance(TrailerLength);
        return true;
    }

    /// <summary>Buffers the whole block at the current position and checks its trailing length copy.</summary>
    private bool TryEnsureBlock(uint type, int totalLength)
    {
        var buffer = Buffer;
        if (!buffer.TryEnsure(totalLength))
            return Truncated(_blockNumber, BlockName(type), buffer.Position, totalLength, buffer.Available);
        uint trailingLength = ReadUInt32(buffer.Peek(totalLength)[(totalLength - 4)..]);
        return trailingLength == (uint)totalLength
            || TrailingLengthMismatch(type, buffer.Position, (uint)totalLength, trailingLength);
    }

    private bool IsValidLength(uint type, uint totalLength)
    {
        int minimum = type switch
        {
            PcapNgFormat.SectionHeaderBlock => PcapNgFormat.MinSectionHeaderLength,
            PcapNgFormat.InterfaceDescriptionBlock => PcapNgFormat.MinInterfaceDescriptionLength,
            PcapNgFormat.EnhancedPacketBlock => PcapNgFormat.MinEnhancedPacketLength,
            PcapNgFormat.PacketBlock => PcapNgFormat.MinPacketBlockLength,
            PcapNgFormat.SimplePacketBlock => PcapNgFormat.MinSimplePacketLength,
            _ => PcapNgFormat.BlockOverhead,
        };
        if (totalLength >= (uint)minimum && totalLength % 4 == 0 && totalLength <= CaptureFileLimits.MaxPcapNgBlockLength)
            return true;
        string problem = totalLength < (uint)minimum ? $"is below the minimum of {minimum}"
            : totalLength % 4 != 0 ? "is not a multiple of 4"
            : $"exceeds the limit of {CaptureFileLimits.MaxPcapNgBlockLength} bytes";
        return Corrupt(type, Buffer.Position, $"block total length {totalLength} {problem}");
    }

    private bool Truncated(long blockNumber, string what, long blockStart, long needed, long present) =>
        Stop(SourceStatus.Truncated, string.Create(CultureInfo.InvariantCulture,
            $"{Name}: file cut short in block {blockNumber} ({what}) at {OffsetText(blockStart)} ({needed} bytes needed, {present} present)"));

    private bool Corrupt(uint type, long blockStart, string problem) =>
        Stop(SourceStatus.Corrupt, string.Create(CultureInfo.InvariantCulture,
            $"{Name}: corrupt block {_blockNumber} ({BlockName(type)}) at {OffsetText(blockStart)}: {problem}"));

    private bool TrailingLengthMismatch(uint type, long blockStart, uint totalLength, uint trailingLength) =>
        Corrupt(type, blockStart, string.Create(CultureInfo.InvariantCulture,
            $"trailing length {trailingLength} differs from the block total length {totalLength}"));

    private bool UndefinedInterface(uint type, uint interfaceId) =>
        Corrupt(type, Buffer.Position, string.Create(CultureInfo.InvariantCulture,
            $"packet refers to interface {interfaceId}, but the section defines {_interfaceCount}"));

    private bool CapturedLengthPastBlock(uint type, uint capturedLength, int totalLength) =>
        Corrupt(type, Buffer.Position, string.Create(CultureInfo.InvariantCulture,
            $"captured length {capturedLength} runs past the end of the {totalLength}-byte block"));

    private static string BlockName(uint type) => type switch
    {
        PcapNgFormat.SectionHeaderBlock => "section header block",
        PcapNgFormat.InterfaceDescriptionBlock => "interface description block",
        PcapNgFormat.PacketBlock => "packet block",
        PcapNgFormat.SimplePacketBlock => "simple packet block",
        PcapNgFormat.EnhancedPacketBlock => "enhanced packet block",
        _ => string.Create(CultureInfo.InvariantCulture, $"block type 0x{type:x8}"),
    };

    private uint ReadUInt32(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private ushort ReadUInt16(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    private ulong ReadUInt64(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);
}
