using System.Buffers.Binary;
using TcpState.Capture;
using TcpState.Capture.Files;

namespace TcpState.Fuzzing;

/// <summary>
/// Writes mutated frames as a pcapng file (one interface per link type, nanosecond timestamps), so that a frame
/// batch's finding becomes a file that the file target, the minimiser, the real executable and a regression test read.
/// </summary>
internal static class FrameFile
{
    public static byte[] Write(IReadOnlyList<(MutableFrame Frame, long Time)> frames)
    {
        using var output = new MemoryStream();
        Block(output, PcapNgFormat.SectionHeaderBlock, body =>
        {
            Write32(body, PcapNgFormat.ByteOrderMagic);
            Write16(body, 1);
            Write16(body, 0);
            Write64(body, ulong.MaxValue);
        });
        var interfaces = new Dictionary<LinkType, uint>();
        foreach (var (frame, time) in frames)
        {
            if (!interfaces.TryGetValue(frame.LinkType, out uint id))
            {
                id = (uint)interfaces.Count;
                interfaces.Add(frame.LinkType, id);
                Block(output, PcapNgFormat.InterfaceDescriptionBlock, body =>
                {
                    Write16(body, (ushort)frame.LinkType);
                    Write16(body, 0);
                    Write32(body, 0);
                    Write16(body, 9); // if_tsresol: nanoseconds
                    Write16(body, 1);
                    body.Write([9, 0, 0, 0]);
                    Write32(body, 0); // opt_endofopt
                });
            }
            Block(output, PcapNgFormat.EnhancedPacketBlock, body =>
            {
                Write32(body, id);
                Write32(body, (uint)((ulong)time >> 32));
                Write32(body, (uint)time);
                Write32(body, (uint)frame.Data.Length);
                Write32(body, (uint)frame.OriginalLength);
                body.Write(frame.Data);
                body.Write(new byte[(4 - frame.Data.Length % 4) % 4]);
            });
        }
        return output.ToArray();
    }

    private static void Block(MemoryStream output, uint type, Action<MemoryStream> writeBody)
    {
        using var body = new MemoryStream();
        writeBody(body);
        uint total = (uint)body.Length + 12;
        Write32(output, type);
        Write32(output, total);
        body.WriteTo(output);
        Write32(output, total);
    }

    private static void Write16(Stream stream, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void Write32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void Write64(Stream stream, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        stream.Write(bytes);
    }
}
