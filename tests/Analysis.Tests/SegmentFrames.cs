using System.Buffers.Binary;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Capture.Files;

namespace TcpState.Analysis.Tests;

/// <summary>Turns <see cref="TcpSegment"/>s back into Ethernet frames with correct checksums, and writes pcaps of them.</summary>
internal static class SegmentFrames
{
    public static byte[] ToEthernetFrame(in TcpSegment segment)
    {
        int tcpLength = 20 + segment.PayloadLength;
        bool v4 = segment.Source.IsIpv4;
        int ipHeader = v4 ? 20 : 40;
        var frame = new byte[14 + ipHeader + tcpLength];
        var span = frame.AsSpan();
        span[..6].Fill(0x02);
        span[6..12].Fill(0x04);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], v4 ? (ushort)0x0800 : (ushort)0x86DD);
        var ip = span[14..];
        if (v4)
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + tcpLength));
            ip[8] = 64;
            ip[9] = 6;
            segment.Source.WriteBytes(ip[12..]);
            segment.Destination.WriteBytes(ip[16..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Complement(InternetChecksum.Sum(ip[..20])));
        }
        else
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)tcpLength);
            ip[6] = 6;
            ip[7] = 64;
            segment.Source.WriteBytes(ip[8..]);
            segment.Destination.WriteBytes(ip[24..]);
        }
        var tcp = ip[ipHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, segment.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], segment.DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], segment.Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], segment.Acknowledgment);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[12..], (ushort)(5 << 12 | (int)segment.Flags & 0x1FF));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], segment.Window);
        ushort checksum = InternetChecksum.TcpChecksum(segment.Source, segment.Destination, tcp);
        if (segment.Checksum == ChecksumStatus.Invalid)
            checksum ^= 0x5555;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], checksum);
        return frame;
    }

    public static byte[] ToPcap(IEnumerable<TcpSegment> segments)
    {
        var output = new MemoryStream();
        using (var writer = new PcapWriter(output, LinkType.Ethernet, leaveOpen: true))
        {
            foreach (var segment in segments)
            {
                var frame = ToEthernetFrame(segment);
                writer.Write(frame, frame.Length, segment.Timestamp);
            }
        }
        return output.ToArray();
    }
}
