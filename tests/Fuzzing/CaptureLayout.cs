using System.Buffers.Binary;
using TcpState.Capture.Files;

namespace TcpState.Fuzzing;

internal enum CaptureFormat
{
    Unknown,
    Pcap,
    PcapNg,
}

/// <summary>
/// One pcap record or pcapng block as it sits in a file: where it starts, how long it says it is, and for packet
/// records where the frame bytes are and which link type they are in.
/// </summary>
internal readonly record struct CaptureRecord(
    int Offset,
    int Length,
    uint BlockType,
    bool BigEndian,
    int DataOffset,
    int DataLength,
    ushort LinkType)
{
    public bool HasFrame => DataOffset >= 0;
    public int End => Offset + Length;
}

/// <summary>
/// The structure of a capture file, found independently of the readers under test so that mutations can aim at the
/// fields the readers trust: the file header, record and block headers, and the frames inside them. Parsing stops at
/// the first thing that does not fit; what was found up to there is still usable.
/// </summary>
internal sealed class CaptureLayout
{
    private CaptureLayout(CaptureFormat format, bool bigEndian, List<CaptureRecord> records, int parsedEnd)
    {
        Format = format;
        BigEndian = bigEndian;
        Records = records;
        ParsedEnd = parsedEnd;
    }

    public CaptureFormat Format { get; }

    /// <summary>For pcap, the file's byte order; for pcapng, the first section's.</summary>
    public bool BigEndian { get; }

    /// <summary>pcap records, or every pcapng block (section and interface blocks included).</summary>
    public List<CaptureRecord> Records { get; }

    /// <summary>Where parsing stopped: the end of the last record that fitted.</summary>
    public int ParsedEnd { get; }

    public IEnumerable<CaptureRecord> Frames => Records.Where(r => r.HasFrame);

    public static CaptureLayout Parse(ReadOnlySpan<byte> file)
    {
        if (file.Length >= 4)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(file) == PcapNgFormat.SectionHeaderBlock)
                return ParsePcapNg(file);
            uint big = BinaryPrimitives.ReadUInt32BigEndian(file), little = BinaryPrimitives.ReadUInt32LittleEndian(file);
            if (big is PcapFormat.MicrosecondMagic or PcapFormat.NanosecondMagic)
                return ParsePcap(file, bigEndian: true);
            if (little is PcapFormat.MicrosecondMagic or PcapFormat.NanosecondMagic)
                return ParsePcap(file, bigEndian: false);
        }
        return new CaptureLayout(CaptureFormat.Unknown, false, [], 0);
    }

    private static CaptureLayout ParsePcap(ReadOnlySpan<byte> file, bool bigEndian)
    {
        var records = new List<CaptureRecord>();
        if (file.Length < PcapFormat.FileHeaderLength)
            return new CaptureLayout(CaptureFormat.Pcap, bigEndian, records, 0);
        var linkType = (ushort)Read32(file[20..], bigEndian);
        int offset = PcapFormat.FileHeaderLength;
        while (file.Length - offset >= PcapFormat.RecordHeaderLength)
        {
            uint captured = Read32(file[(offset + 8)..], bigEndian);
            if (captured > (uint)(file.Length - offset - PcapFormat.RecordHeaderLength))
                break;
            int length = PcapFormat.RecordHeaderLength + (int)captured;
            records.Add(new CaptureRecord(offset, length, 0, bigEndian, offset + PcapFormat.RecordHeaderLength, (int)captured, linkType));
            offset += length;
        }
        return new CaptureLayout(CaptureFormat.Pcap, bigEndian, records, offset);
    }

    private static CaptureLayout ParsePcapNg(ReadOnlySpan<byte> file)
    {
        var records = new List<CaptureRecord>();
        var interfaces = new List<ushort>();
        bool firstBigEndian = false, bigEndian = false;
        int offset = 0;
        while (file.Length - offset >= 12)
        {
            var block = file[offset..];
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(block);
            if (BinaryPrimitives.ReadUInt32BigEndian(block) == PcapNgFormat.SectionHeaderBlock)
            {
                if (block.Length < 12)
                    break;
                uint magic = BinaryPrimitives.ReadUInt32LittleEndian(block[8..]);
                if (magic == PcapNgFormat.ByteOrderMagic) bigEndian = false;
                else if (BinaryPrimitives.ReverseEndianness(magic) == PcapNgFormat.ByteOrderMagic) bigEndian = true;
                else break;
                if (offset == 0) firstBigEndian = bigEndian;
                interfaces.Clear();
                type = PcapNgFormat.SectionHeaderBlock;
            }
            else
            {
                type = Read32(block, bigEndian);
            }
            uint total = Read32(block[4..], bigEndian);
            if (total < 12 || total % 4 != 0 || total > (uint)block.Length)
                break;
            int length = (int)total;
            int dataOffset = -1, dataLength = 0;
            ushort linkType = 0;
            switch (type)
            {
                case PcapNgFormat.InterfaceDescriptionBlock when length >= 20:
                    linkType = (ushort)Read16(block[8..], bigEndian);
                    interfaces.Add(linkType);
                    break;
                case PcapNgFormat.EnhancedPacketBlock or PcapNgFormat.PacketBlock when length >= 32:
                {
                    uint id = type == PcapNgFormat.EnhancedPacketBlock ? Read32(block[8..], bigEndian) : Read16(block[8..], bigEndian);
                    uint captured = Read32(block[20..], bigEndian);
                    if (captured <= (uint)(length - 32))
                    {
                        dataOffset = offset + 28;
                        dataLength = (int)captured;
                        linkType = id < (uint)interfaces.Count ? interfaces[(int)id] : (ushort)0xFFFF;
                    }
                    break;
                }
                case PcapNgFormat.SimplePacketBlock when length >= 16:
                {
                    uint original = Read32(block[8..], bigEndian);
                    dataOffset = offset + 12;
                    dataLength = (int)Math.Min(original, (uint)(length - 16));
                    linkType = interfaces.Count > 0 ? interfaces[0] : (ushort)0xFFFF;
                    break;
                }
            }
            records.Add(new CaptureRecord(offset, length, type, bigEndian, dataOffset, dataLength, linkType));
            offset += length;
        }
        return new CaptureLayout(CaptureFormat.PcapNg, firstBigEndian, records, offset);
    }

    public static uint Read32(ReadOnlySpan<byte> bytes, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    public static ushort Read16(ReadOnlySpan<byte> bytes, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    public static void Write32(Span<byte> bytes, uint value, bool bigEndian)
    {
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
    }

    public static void Write16(Span<byte> bytes, ushort value, bool bigEndian)
    {
        if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        else BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
    }
}
