using System.Buffers.Binary;
using System.IO.Compression;
using TcpState.Capture;
using TcpState.Capture.Files;

namespace TcpState.Fuzzing;

/// <summary>
/// Mutates whole capture files. Most mutations aim at what the readers trust, found with <see cref="CaptureLayout"/>:
/// the pcap file header (magic and byte order, version, snaplen, link type), record headers (caplen above snaplen or
/// past the bytes left, original length, timestamps), pcapng blocks (total length 0, 12, 0xFFFFFFFF, odd or
/// mismatched, block types, byte-order magic, versions, interface ids, interface options, thousands of interfaces,
/// sections starting mid-file, unknown blocks), whole records (dropped, repeated, swapped, spliced from another file,
/// a flood of connections), frames inside records (through <see cref="FrameMutator"/>), cuts at record edges, and gzip
/// wrapping, intact or damaged. The rest are blind byte edits.
/// </summary>
internal sealed class FileMutator(FrameMutator frames, MutationCounts counts)
{
    private static readonly ushort[] LinkTypeValues = [0, 1, 12, 14, 101, 105, 108, 113, 127, 228, 229, 276, 0xFFFF];

    public byte[] Mutate(Random random, byte[] seed, byte[]? donor, List<string> applied)
    {
        var file = (byte[])seed.Clone(); // header mutations write in place; the seed stays as it was
        int rounds = 1 + (random.Next(3) == 0 ? random.Next(6) : random.Next(2));
        bool wrapInGzip = random.Next(25) == 0;
        for (int i = 0; i < rounds; i++)
        {
            var layout = CaptureLayout.Parse(file);
            string kind = random.Next(10) < 8 ? Aimed(random, ref file, layout, donor) : "";
            if (kind.Length == 0)
                file = ByteEdits.Generic(random, file, donor, out kind);
            applied.Add(kind);
            counts.Add("file:" + kind);
        }
        if (wrapInGzip)
        {
            file = Gzip(file);
            string kind = "gzip";
            if (random.Next(3) == 0)
            {
                file = ByteEdits.Generic(random, file, null, out string damage);
                kind = "gzip-damaged-" + damage;
            }
            applied.Add(kind);
            counts.Add("file:" + kind);
        }
        return file;
    }

    private string Aimed(Random random, ref byte[] file, CaptureLayout layout, byte[]? donor)
    {
        if (layout.Format == CaptureFormat.Unknown)
            return "";
        int choice = random.Next(20);
        if (choice < 8)
            return layout.Format == CaptureFormat.Pcap ? PcapHeaders(random, file, layout) : PcapNgBlocks(random, ref file, layout);
        var records = layout.Format == CaptureFormat.Pcap ? layout.Records : layout.Records.Where(r => r.HasFrame).ToList();
        if (records.Count == 0)
            return "";
        var record = records[random.Next(records.Count)];
        switch (choice)
        {
            case 8:
            case 9:
            case 10:
                file = MutateFrameIn(random, file, record);
                return "record-frame";
            case 11:
                file = ByteEdits.Remove(file, record.Offset, record.Length);
                return "record-drop";
            case 12:
            {
                int copies = random.Next(3) == 0 ? random.Next(1, 1000) : random.Next(1, 4);
                var repeated = new byte[record.Length * copies];
                for (int i = 0; i < copies; i++)
                    file.AsSpan(record.Offset, record.Length).CopyTo(repeated.AsSpan(i * record.Length));
                file = ByteEdits.Insert(file, record.End, repeated);
                return "record-repeat";
            }
            case 13:
            {
                var other = records[random.Next(records.Count)];
                if (other.Offset == record.Offset) return "";
                var (first, second) = record.Offset < other.Offset ? (record, other) : (other, record);
                var swapped = new List<byte>(file.Length);
                swapped.AddRange(file.AsSpan(0, first.Offset).ToArray());
                swapped.AddRange(file.AsSpan(second.Offset, second.Length).ToArray());
                swapped.AddRange(file.AsSpan(first.End, second.Offset - first.End).ToArray());
                swapped.AddRange(file.AsSpan(first.Offset, first.Length).ToArray());
                swapped.AddRange(file.AsSpan(second.End).ToArray());
                file = swapped.ToArray();
                return "record-swap";
            }
            case 14:
            {
                // A record from another file, whatever its format and byte order: a splice of two captures.
                if (donor is null) return "";
                var donorLayout = CaptureLayout.Parse(donor);
                if (donorLayout.Records.Count == 0) return "";
                var donated = donorLayout.Records[random.Next(donorLayout.Records.Count)];
                file = ByteEdits.Insert(file, record.Offset, donor.AsSpan(donated.Offset, donated.Length));
                return "record-splice";
            }
            case 15:
            {
                int cut = Math.Clamp(record.Offset + random.Next(-4, 17), 0, file.Length);
                file = file[..cut];
                return "truncate-at-record";
            }
            case 16:
                file = ConnectionFlood(random, file, record);
                return "connection-flood";
            case 17:
            {
                // A record header (or block start) and nothing after it: the next read runs out mid-record.
                int keep = Math.Min(record.Length, random.Next(1, 40));
                file = ByteEdits.Insert(file, file.Length, file.AsSpan(record.Offset, keep));
                return "extend-partial-record";
            }
            default:
                return "";
        }
    }

    private static string PcapHeaders(Random random, byte[] file, CaptureLayout layout)
    {
        bool big = layout.BigEndian;
        switch (random.Next(7))
        {
            case 0:
            {
                uint[] magics = [0xA1B2C3D4, 0xA1B23C4D, 0xA1B2CD34, 0xD4C3B2A1, 0x4D3CB2A1, 0x0A0D0D0A, (uint)random.Next()];
                // Written in the file's byte order, or in the other one while every other field stays as it was.
                CaptureLayout.Write32(file, magics[random.Next(magics.Length)], random.Next(2) == 0 ? big : !big);
                return "pcap-magic";
            }
            case 1:
                if (file.Length < 8) return "";
                CaptureLayout.Write16(file.AsSpan(4), (ushort)(random.Next(2) == 0 ? random.Next(5) : random.Next(0x10000)), big);
                CaptureLayout.Write16(file.AsSpan(6), (ushort)random.Next(0x10000), big);
                return "pcap-version";
            case 2:
            {
                if (file.Length < 24) return "";
                uint[] lengths = [0, 1, 14, 40, 54, 65535, 262_144, 262_145, 8 * 1024 * 1024, 0x7FFFFFFF, 0xFFFFFFFF, (uint)random.Next()];
                CaptureLayout.Write32(file.AsSpan(16), lengths[random.Next(lengths.Length)], big);
                return "pcap-snaplen";
            }
            case 3:
            {
                if (file.Length < 24) return "";
                uint value = LinkTypeValues[random.Next(LinkTypeValues.Length)];
                if (random.Next(3) == 0) value |= (uint)random.Next(1, 0x10000) << 16; // FCS length and flag bits
                CaptureLayout.Write32(file.AsSpan(20), value, big);
                return "pcap-linktype";
            }
            case 4:
            {
                if (layout.Records.Count == 0) return "";
                var record = layout.Records[random.Next(layout.Records.Count)];
                uint snaplen = file.Length >= 24 ? CaptureLayout.Read32(file.AsSpan(16), big) : 0;
                uint left = (uint)(file.Length - record.Offset - PcapFormat.RecordHeaderLength);
                uint[] lengths =
                [
                    snaplen + 1, Math.Max(snaplen, 262_144u) * 2, Math.Max(snaplen, 262_144u) * 2 + 1, 16 * 1024 * 1024,
                    16 * 1024 * 1024 + 1, left, left + 1, left + (uint)random.Next(1, 100_000), 0, 0xFFFFFFFF,
                    (uint)record.DataLength - 1, (uint)record.DataLength + 1, (uint)random.Next(64),
                ];
                CaptureLayout.Write32(file.AsSpan(record.Offset + 8), lengths[random.Next(lengths.Length)], big);
                return "pcap-caplen";
            }
            case 5:
            {
                if (layout.Records.Count == 0) return "";
                var record = layout.Records[random.Next(layout.Records.Count)];
                uint[] lengths = [0, (uint)record.DataLength - 1, (uint)record.DataLength + 1, 0x7FFFFFFF, 0xFFFFFFFF, (uint)random.Next()];
                CaptureLayout.Write32(file.AsSpan(record.Offset + 12), lengths[random.Next(lengths.Length)], big);
                return "pcap-origlen";
            }
            default:
            {
                if (layout.Records.Count == 0) return "";
                var record = layout.Records[random.Next(layout.Records.Count)];
                uint[] values = [0, 0xFFFFFFFF, 999_999, 1_000_000, 999_999_999, 1_000_000_000, (uint)random.Next()];
                CaptureLayout.Write32(file.AsSpan(record.Offset + (random.Next(2) == 0 ? 0 : 4)), values[random.Next(values.Length)], big);
                return "pcap-timestamp";
            }
        }
    }

    private string PcapNgBlocks(Random random, ref byte[] file, CaptureLayout layout)
    {
        if (layout.Records.Count == 0) return "";
        var block = layout.Records[random.Next(layout.Records.Count)];
        bool big = block.BigEndian;
        switch (random.Next(12))
        {
            case 0:
            case 1:
            {
                uint[] lengths =
                [
                    0, 4, 8, 12, 13, 16, 20, 28, 32, 0xFFFFFFFF, 0xFFFFFFFC, 64 * 1024 * 1024, 64 * 1024 * 1024 + 4,
                    (uint)block.Length - 4, (uint)block.Length + 4, (uint)block.Length + 1, (uint)random.Next() & ~3u,
                ];
                uint value = lengths[random.Next(lengths.Length)];
                int which = random.Next(3); // the leading length, the trailing copy, or both
                if (which != 1) CaptureLayout.Write32(file.AsSpan(block.Offset + 4), value, big);
                if (which != 0) CaptureLayout.Write32(file.AsSpan(block.End - 4), value, big);
                return "pcapng-block-length";
            }
            case 2:
            {
                var sections = layout.Records.Where(r => r.BlockType == PcapNgFormat.SectionHeaderBlock).ToList();
                if (sections.Count == 0) return "";
                var section = sections[random.Next(sections.Count)];
                uint[] magics = [0x4D3C2B1A, 0, 0x1A2B3C4C, (uint)random.Next()];
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(section.Offset + 8), magics[random.Next(magics.Length)]);
                return "pcapng-byte-order";
            }
            case 3:
            {
                var sections = layout.Records.Where(r => r.BlockType == PcapNgFormat.SectionHeaderBlock && r.Length >= 16).ToList();
                if (sections.Count == 0) return "";
                var section = sections[random.Next(sections.Count)];
                CaptureLayout.Write16(file.AsSpan(section.Offset + 12), (ushort)random.Next(3), section.BigEndian);
                CaptureLayout.Write16(file.AsSpan(section.Offset + 14), (ushort)random.Next(0x10000), section.BigEndian);
                return "pcapng-version";
            }
            case 4:
            {
                uint[] types = [1, 2, 3, 4, 5, 6, 0x0A0D0D0A, 0x80000001, 0x00000BAD, (uint)random.Next()];
                CaptureLayout.Write32(file.AsSpan(block.Offset), types[random.Next(types.Length)], big);
                return "pcapng-block-type";
            }
            case 5:
            {
                var packets = layout.Records.Where(r => r.BlockType is PcapNgFormat.EnhancedPacketBlock or PcapNgFormat.PacketBlock).ToList();
                if (packets.Count == 0) return "";
                var packet = packets[random.Next(packets.Count)];
                int interfaces = layout.Records.Count(r => r.BlockType == PcapNgFormat.InterfaceDescriptionBlock);
                uint[] ids = [(uint)interfaces, (uint)interfaces + 1, 0xFFFF, 0xFFFFFFFF, (uint)random.Next()];
                if (packet.BlockType == PcapNgFormat.PacketBlock)
                    CaptureLayout.Write16(file.AsSpan(packet.Offset + 8), (ushort)ids[random.Next(ids.Length)], packet.BigEndian);
                else
                    CaptureLayout.Write32(file.AsSpan(packet.Offset + 8), ids[random.Next(ids.Length)], packet.BigEndian);
                return "pcapng-interface-id";
            }
            case 6:
            {
                var packets = layout.Records.Where(r => r.BlockType is PcapNgFormat.EnhancedPacketBlock or PcapNgFormat.PacketBlock).ToList();
                if (packets.Count == 0) return "";
                var packet = packets[random.Next(packets.Count)];
                uint room = (uint)packet.Length - 32;
                uint[] lengths = [0, room, room + 1, room + 4, 0xFFFFFFFF, 0x7FFFFFFF, (uint)packet.DataLength + 1, (uint)random.Next(70_000)];
                CaptureLayout.Write32(file.AsSpan(packet.Offset + (random.Next(3) == 0 ? 24 : 20)), lengths[random.Next(lengths.Length)], packet.BigEndian);
                return "pcapng-caplen";
            }
            case 7:
            {
                var interfaces = layout.Records.Where(r => r.BlockType == PcapNgFormat.InterfaceDescriptionBlock).ToList();
                if (interfaces.Count == 0) return "";
                var idb = interfaces[random.Next(interfaces.Count)];
                file = MutateInterface(random, file, idb);
                return "pcapng-interface";
            }
            case 8:
            {
                if (random.Next(8) != 0) return "";
                file = InterfaceFlood(random, file, layout);
                return "pcapng-interface-flood";
            }
            case 9:
            {
                // A new section in the middle: interfaces are forgotten and the byte order may change.
                file = ByteEdits.Insert(file, block.Offset, SectionHeader(random.Next(2) == 0, random));
                return "pcapng-new-section";
            }
            case 10:
            {
                int bodyLength = random.Next(3) == 0 ? random.Next(0, 4096) & ~3 : 4 * random.Next(0, 8);
                var unknown = new byte[12 + bodyLength];
                uint[] types = [4, 5, 7, 8, 9, 10, 0x00000BAD, 0x40000BAD, 0x80000001, (uint)random.Next()];
                CaptureLayout.Write32(unknown, types[random.Next(types.Length)], big);
                CaptureLayout.Write32(unknown.AsSpan(4), (uint)unknown.Length, big);
                random.NextBytes(unknown.AsSpan(8, bodyLength));
                CaptureLayout.Write32(unknown.AsSpan(unknown.Length - 4), (uint)unknown.Length, big);
                file = ByteEdits.Insert(file, block.Offset, unknown);
                return "pcapng-unknown-block";
            }
            default:
            {
                // An enhanced packet block rewritten as a simple one (interface 0, no timestamp), or the reverse.
                if (block.BlockType != PcapNgFormat.EnhancedPacketBlock || !block.HasFrame) return "";
                var data = file.AsSpan(block.DataOffset, block.DataLength).ToArray();
                uint original = CaptureLayout.Read32(file.AsSpan(block.Offset + 24), big);
                int padded = (data.Length + 3) & ~3;
                var simple = new byte[16 + padded];
                CaptureLayout.Write32(simple, PcapNgFormat.SimplePacketBlock, big);
                CaptureLayout.Write32(simple.AsSpan(4), (uint)simple.Length, big);
                CaptureLayout.Write32(simple.AsSpan(8), random.Next(3) == 0 ? (uint)random.Next() : original, big);
                data.CopyTo(simple.AsSpan(12));
                CaptureLayout.Write32(simple.AsSpan(simple.Length - 4), (uint)simple.Length, big);
                file = ByteEdits.Replace(file, block.Offset, block.Length, simple);
                return "pcapng-simple-packet";
            }
        }
    }

    private static byte[] MutateInterface(Random random, byte[] file, CaptureRecord idb)
    {
        bool big = idb.BigEndian;
        switch (random.Next(3))
        {
            case 0:
                CaptureLayout.Write16(file.AsSpan(idb.Offset + 8), LinkTypeValues[random.Next(LinkTypeValues.Length)], big);
                return file;
            case 1:
            {
                uint[] lengths = [0, 1, 14, 40, 54, 65535, 0xFFFFFFFF, (uint)random.Next()];
                CaptureLayout.Write32(file.AsSpan(idb.Offset + 12), lengths[random.Next(lengths.Length)], big);
                return file;
            }
            default:
            {
                // Options: a timestamp resolution or offset of any value, or an option whose length runs past the block.
                var options = new List<byte>();
                int count = random.Next(1, 6);
                for (int i = 0; i < count; i++)
                {
                    switch (random.Next(4))
                    {
                        case 0: options.AddRange(Option(9, [(byte)random.Next(256)], big)); break;
                        case 1: options.AddRange(Option(14, ByteEdits.Random(random, 8), big)); break;
                        case 2: options.AddRange(Option((ushort)random.Next(1, 20), ByteEdits.Random(random, random.Next(12)), big)); break;
                        default:
                        {
                            var broken = Option((ushort)random.Next(20), [], big);
                            CaptureLayout.Write16(broken.AsSpan(2), (ushort)random.Next(4, 0x10000), big);
                            options.AddRange(broken);
                            break;
                        }
                    }
                }
                if (random.Next(2) == 0) options.AddRange(Option(0, [], big));
                var block = new byte[20 + options.Count];
                file.AsSpan(idb.Offset, 16).CopyTo(block);
                options.ToArray().CopyTo(block.AsSpan(16));
                CaptureLayout.Write32(block.AsSpan(4), (uint)block.Length, big);
                CaptureLayout.Write32(block.AsSpan(block.Length - 4), (uint)block.Length, big);
                return ByteEdits.Replace(file, idb.Offset, idb.Length, block);
            }
        }
    }

    /// <summary>Thousands of interface descriptions before the first packet: the per-section interface table's bound.</summary>
    private static byte[] InterfaceFlood(Random random, byte[] file, CaptureLayout layout)
    {
        var first = layout.Records.FirstOrDefault(r => r.BlockType != PcapNgFormat.SectionHeaderBlock);
        if (first.Length == 0) return file;
        bool big = first.BigEndian;
        int[] counts = [100, 1000, 65_535, 65_536, 65_537, 70_000];
        int count = counts[random.Next(counts.Length)];
        var flood = new byte[count * 20];
        for (int i = 0; i < count; i++)
        {
            var idb = flood.AsSpan(i * 20, 20);
            CaptureLayout.Write32(idb, PcapNgFormat.InterfaceDescriptionBlock, big);
            CaptureLayout.Write32(idb[4..], 20, big);
            CaptureLayout.Write16(idb[8..], 1, big);
            CaptureLayout.Write32(idb[16..], 20, big);
        }
        return ByteEdits.Insert(file, first.Offset, flood);
    }

    private static byte[] SectionHeader(bool bigEndian, Random random)
    {
        var block = new byte[28];
        BinaryPrimitives.WriteUInt32BigEndian(block, PcapNgFormat.SectionHeaderBlock);
        CaptureLayout.Write32(block.AsSpan(4), 28, bigEndian);
        CaptureLayout.Write32(block.AsSpan(8), PcapNgFormat.ByteOrderMagic, bigEndian);
        CaptureLayout.Write16(block.AsSpan(12), 1, bigEndian);
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(16), random.Next(2) == 0 ? ulong.MaxValue : (ulong)random.Next());
        CaptureLayout.Write32(block.AsSpan(24), 28, bigEndian);
        return block;
    }

    private static byte[] Option(ushort code, byte[] value, bool bigEndian)
    {
        var option = new byte[4 + ((value.Length + 3) & ~3)];
        CaptureLayout.Write16(option, code, bigEndian);
        CaptureLayout.Write16(option.AsSpan(2), (ushort)value.Length, bigEndian);
        value.CopyTo(option.AsSpan(4));
        return option;
    }

    /// <summary>A frame mutation inside one record; the record's lengths follow the new frame, most of the time.</summary>
    private byte[] MutateFrameIn(Random random, byte[] file, CaptureRecord record)
    {
        var data = file.AsSpan(record.DataOffset, record.DataLength).ToArray();
        var frame = new MutableFrame(data, (LinkType)record.LinkType, data.Length);
        frames.Mutate(random, frame, 1 + random.Next(3));
        bool fixLengths = random.Next(8) != 0;
        if (record.BlockType == 0)
        {
            var rebuilt = new byte[PcapFormat.RecordHeaderLength + frame.Data.Length];
            file.AsSpan(record.Offset, PcapFormat.RecordHeaderLength).CopyTo(rebuilt);
            if (fixLengths)
            {
                CaptureLayout.Write32(rebuilt.AsSpan(8), (uint)frame.Data.Length, record.BigEndian);
                CaptureLayout.Write32(rebuilt.AsSpan(12), (uint)frame.OriginalLength, record.BigEndian);
            }
            frame.Data.CopyTo(rebuilt.AsSpan(PcapFormat.RecordHeaderLength));
            return ByteEdits.Replace(file, record.Offset, record.Length, rebuilt);
        }

        int header = record.DataOffset - record.Offset;
        int padded = (frame.Data.Length + 3) & ~3;
        var block = new byte[header + padded + 4];
        file.AsSpan(record.Offset, header).CopyTo(block);
        frame.Data.CopyTo(block.AsSpan(header));
        uint total = fixLengths ? (uint)block.Length : (uint)record.Length;
        CaptureLayout.Write32(block.AsSpan(4), total, record.BigEndian);
        CaptureLayout.Write32(block.AsSpan(block.Length - 4), total, record.BigEndian);
        if (fixLengths)
        {
            if (record.BlockType == PcapNgFormat.SimplePacketBlock)
                CaptureLayout.Write32(block.AsSpan(8), (uint)frame.OriginalLength, record.BigEndian);
            else
            {
                CaptureLayout.Write32(block.AsSpan(20), (uint)frame.Data.Length, record.BigEndian);
                CaptureLayout.Write32(block.AsSpan(24), (uint)frame.OriginalLength, record.BigEndian);
            }
        }
        return ByteEdits.Replace(file, record.Offset, record.Length, block);
    }

    /// <summary>
    /// The record repeated with a different source address and port each time: many distinct connections in one file,
    /// enough to fill a small connection table and every per-source table of the anomaly detectors.
    /// </summary>
    private static byte[] ConnectionFlood(Random random, byte[] file, CaptureRecord record)
    {
        if (!record.HasFrame) return file;
        var data = file.AsSpan(record.DataOffset, record.DataLength);
        var layout = FrameLayout.Locate(data, (LinkType)record.LinkType);
        if (!layout.HasTcp) return file;
        int copies = random.Next(2) == 0 ? random.Next(10, 300) : random.Next(300, 3000);
        int sourceOffset = layout.IpOffset + (layout.IpVersion == 4 ? 12 : 8), size = layout.IpVersion == 4 ? 4 : 16;
        int dataStart = record.DataOffset - record.Offset;
        // A flood toward one listener, from one source to many ports, or from many sources.
        int varying = random.Next(3);
        var flood = new byte[record.Length * copies];
        for (int i = 0; i < copies; i++)
        {
            var copy = flood.AsSpan(i * record.Length, record.Length);
            file.AsSpan(record.Offset, record.Length).CopyTo(copy);
            var frame = copy.Slice(dataStart, record.DataLength);
            if (varying != 1) random.NextBytes(frame.Slice(sourceOffset, size));
            if (varying != 0) BinaryPrimitives.WriteUInt16BigEndian(frame[(layout.TcpOffset + (varying == 1 ? 2 : 0))..], (ushort)random.Next(0x10000));
            if (record.BlockType == 0)
                CaptureLayout.Write32(copy[4..], (uint)(i * 1000), record.BigEndian); // microseconds apart
        }
        return ByteEdits.Insert(file, record.End, flood);
    }

    private static byte[] Gzip(byte[] file)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(file);
        return output.ToArray();
    }
}
