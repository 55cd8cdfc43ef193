using System.Buffers.Binary;
using TcpState.Capture;

namespace TcpState.Fuzzing;

/// <summary>
/// Where the headers of one frame are: the link header's EtherType field, the IP header and its length fields, the
/// IPv6 extension chain, the TCP header and its options. Found by a walk of its own (not the decoder under test) that
/// follows only the common path — Ethernet with VLAN tags, Linux SLL and SLL2, BSD loopback, raw IP; IPv4 and IPv6 —
/// so that a mutation can aim at a field. Offsets are -1 where a header was not found.
/// </summary>
internal struct FrameLayout
{
    public const int EthernetMacLength = 12;

    /// <summary>Offset of the EtherType field that announces the IP header (after any VLAN tags), or -1.</summary>
    public int EtherTypeOffset;

    /// <summary>Where VLAN or MPLS headers can be inserted: just after the MAC addresses of an Ethernet frame, or -1.</summary>
    public int TagInsertOffset;

    public int IpOffset;
    public int IpVersion;

    /// <summary>The field holding the protocol of what follows the IP header chain (IPv4 protocol, last next-header).</summary>
    public int ProtocolFieldOffset;

    /// <summary>Where the IPv6 extension chain would start (just after the fixed header), or -1.</summary>
    public int Ipv6ChainOffset;

    public int TransportOffset;
    public byte Protocol;

    public int TcpOffset;
    public int TcpHeaderLength;

    public readonly bool HasIp => IpOffset >= 0;
    public readonly bool HasTcp => TcpOffset >= 0;

    public static FrameLayout Locate(ReadOnlySpan<byte> frame, LinkType linkType)
    {
        var layout = new FrameLayout
        {
            EtherTypeOffset = -1, TagInsertOffset = -1, IpOffset = -1, ProtocolFieldOffset = -1, Ipv6ChainOffset = -1,
            TransportOffset = -1, TcpOffset = -1,
        };
        int ip = -1;
        switch (linkType)
        {
            case LinkType.Ethernet:
            {
                if (frame.Length < 14) return layout;
                layout.TagInsertOffset = EthernetMacLength;
                int typeOffset = EthernetMacLength;
                int tags = 0;
                while (typeOffset + 2 <= frame.Length && tags < 64)
                {
                    ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[typeOffset..]);
                    if (type is not (0x8100 or 0x88A8 or 0x9100 or 0x9200)) break;
                    typeOffset += 4;
                    tags++;
                }
                if (typeOffset + 2 > frame.Length) return layout;
                layout.EtherTypeOffset = typeOffset;
                ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[typeOffset..]);
                if (etherType is 0x0800 or 0x86DD) ip = typeOffset + 2;
                break;
            }
            case LinkType.LinuxSll:
                if (frame.Length < 16) return layout;
                layout.EtherTypeOffset = 14;
                ip = 16;
                break;
            case LinkType.LinuxSll2:
                if (frame.Length < 20) return layout;
                layout.EtherTypeOffset = 0;
                ip = 20;
                break;
            case LinkType.Null or LinkType.Loop:
                ip = 4;
                break;
            case LinkType.Raw or LinkType.RawAlias12 or LinkType.RawAlias14 or LinkType.Ipv4 or LinkType.Ipv6:
                ip = 0;
                break;
        }
        if (ip < 0 || ip >= frame.Length) return layout;
        layout.LocateIp(frame, ip);
        return layout;
    }

    private void LocateIp(ReadOnlySpan<byte> frame, int ip)
    {
        int version = frame[ip] >> 4;
        if (version == 4 && frame.Length - ip >= 20)
        {
            IpOffset = ip;
            IpVersion = 4;
            ProtocolFieldOffset = ip + 9;
            int headerLength = (frame[ip] & 0x0F) * 4;
            if (headerLength < 20 || ip + headerLength > frame.Length) return;
            TransportOffset = ip + headerLength;
            Protocol = frame[ip + 9];
        }
        else if (version == 6 && frame.Length - ip >= 40)
        {
            IpOffset = ip;
            IpVersion = 6;
            Ipv6ChainOffset = ip + 40;
            int nextField = ip + 6;
            int offset = ip + 40;
            for (int count = 0; count < 16; count++)
            {
                byte next = frame[nextField];
                if (next is not (0 or 43 or 44 or 60 or 51)) break;
                if (offset + 8 > frame.Length) return;
                int length = next switch
                {
                    44 => 8,
                    51 => (frame[offset + 1] + 2) * 4,
                    _ => (frame[offset + 1] + 1) * 8,
                };
                nextField = offset;
                offset += length;
                if (offset > frame.Length) return;
            }
            ProtocolFieldOffset = nextField;
            TransportOffset = offset;
            Protocol = frame[nextField];
        }
        else
        {
            return;
        }

        if (Protocol == 6 && TransportOffset + 20 <= frame.Length)
        {
            TcpOffset = TransportOffset;
            TcpHeaderLength = (frame[TcpOffset + 12] >> 4) * 4;
        }
    }
}
