using System.Buffers.Binary;
using TcpState.Capture;

namespace TcpState.Fuzzing;

/// <summary>A frame being mutated: its bytes, the link type they are read as, and its length on the wire.</summary>
internal sealed class MutableFrame(byte[] data, LinkType linkType, int originalLength)
{
    public byte[] Data = data;
    public LinkType LinkType = linkType;

    /// <summary>Wire length minus captured length; kept across edits so a snaplen cut stays a cut.</summary>
    public long OriginalExcess = originalLength - data.Length;

    public int OriginalLength => (int)Math.Clamp(Data.Length + OriginalExcess, 0, int.MaxValue);
}

/// <summary>
/// Mutates single frames. Most mutations aim at a header field the decoder trusts (found with
/// <see cref="FrameLayout"/>): IPv4 IHL and total length, IPv6 payload length and extension chains that loop or run
/// off the end, fragments, TCP data offset, option lengths 0 and 1, VLAN and MPLS stacks far past the limits, tunnel
/// wrappings, EtherTypes, link types and snaplen cuts; the rest are blind byte edits. Each mutation is counted by name.
/// </summary>
internal sealed class FrameMutator(IReadOnlyList<FrameSample> donors, MutationCounts counts)
{
    private static readonly LinkType[] LinkTypes =
    [
        LinkType.Ethernet, LinkType.LinuxSll, LinkType.LinuxSll2, LinkType.Null, LinkType.Loop, LinkType.Raw,
        LinkType.RawAlias12, LinkType.RawAlias14, LinkType.Ipv4, LinkType.Ipv6, (LinkType)105, (LinkType)0xFFFF,
    ];

    private static readonly ushort[] EtherTypes =
    [
        0x0800, 0x86DD, 0x8100, 0x88A8, 0x9100, 0x9200, 0x8847, 0x8848, 0x88E7, 0x8903, 0x8926, 0x6558, 0x88BE, 0x22EB,
        0x880B, 0x0806, 0x05DC, 0x0000, 0xFFFF,
    ];

    private static readonly byte[] IpProtocols = [4, 41, 47, 17, 6, 1, 50, 51, 59, 0, 43, 44, 60, 135, 253, 255];

    private static readonly ushort[] TunnelPorts = [4789, 6081, 2152, 3544, 4754];

    private static readonly byte[] TcpFlagCombinations =
        [0x02, 0x12, 0x10, 0x11, 0x04, 0x14, 0x03, 0x06, 0x00, 0xFF, 0x29, 0x18, 0x19, 0x07, 0x16, 0xC2];

    private static readonly int[] StackDepths = [1, 2, 15, 16, 17, 63, 64, 65, 100];

    public void Mutate(Random random, MutableFrame frame, int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            var layout = FrameLayout.Locate(frame.Data, frame.LinkType);
            string kind = random.Next(10) < 8 ? Aimed(random, frame, layout) : "";
            if (kind.Length == 0)
            {
                byte[]? donor = donors.Count > 0 ? donors[random.Next(donors.Count)].Data : null;
                frame.Data = ByteEdits.Generic(random, frame.Data, donor, out kind);
            }
            counts.Add("frame:" + kind);
        }
    }

    /// <summary>One structure-aware mutation; returns its name, or "" when the frame has no such header.</summary>
    private string Aimed(Random random, MutableFrame frame, FrameLayout layout)
    {
        var data = frame.Data;
        switch (random.Next(24))
        {
            case 0 when layout.IpVersion == 4:
                data[layout.IpOffset] = (byte)(0x40 | (random.Next(2) == 0 ? random.Next(5) : random.Next(16)));
                return "ipv4-ihl";
            case 1 when layout.IpVersion == 4:
            {
                int actual = data.Length - layout.IpOffset, headerLength = (data[layout.IpOffset] & 0x0F) * 4;
                int[] choices = [0, random.Next(20), headerLength - 1, headerLength, actual - 1, actual + 1, actual + random.Next(1, 2000), 0xFFFF, random.Next(0x10000)];
                WriteU16(data, layout.IpOffset + 2, choices[random.Next(choices.Length)]);
                return "ipv4-total-length";
            }
            case 2 when layout.IpVersion == 6:
            {
                int actual = data.Length - layout.IpOffset - 40;
                int[] choices = [0, random.Next(8), actual - 1, actual + 1, actual + random.Next(1, 2000), 0xFFFF, random.Next(0x10000)];
                WriteU16(data, layout.IpOffset + 4, choices[random.Next(choices.Length)]);
                return "ipv6-payload-length";
            }
            case 3 when layout.IpVersion == 6:
                frame.Data = Ipv6ExtensionChain(random, data, layout);
                return "ipv6-extension-chain";
            case 4 when layout.IpVersion == 6 && layout.ProtocolFieldOffset >= 0:
            {
                // A fragment header with any offset and M flag: atomic, first, later.
                Span<byte> fragment = stackalloc byte[8];
                fragment[0] = data[layout.ProtocolFieldOffset];
                WriteU16(fragment, 2, random.Next(3) switch { 0 => 0, 1 => 1, _ => random.Next(0x10000) });
                random.NextBytes(fragment[4..]);
                data[layout.ProtocolFieldOffset] = 44;
                frame.Data = ByteEdits.Insert(data, layout.TransportOffset >= 0 ? layout.TransportOffset : layout.Ipv6ChainOffset, fragment);
                AdjustIpLength(frame.Data, layout, 8);
                return "ipv6-fragment";
            }
            case 5 when layout.IpVersion == 4:
                WriteU16(data, layout.IpOffset + 6, random.Next(3) switch { 0 => 0x2000, 1 => random.Next(1, 0x2000), _ => random.Next(0x10000) });
                return "ipv4-fragment";
            case 6 when layout.HasTcp:
                data[layout.TcpOffset + 12] = (byte)((random.Next(2) == 0 ? random.Next(5) : random.Next(16)) << 4 | (data[layout.TcpOffset + 12] & 0x0F));
                return "tcp-data-offset";
            case 7 when layout.HasTcp:
                frame.Data = TcpOptions(random, data, layout);
                return "tcp-options";
            case 8 when layout.TagInsertOffset >= 0:
                frame.Data = VlanStack(random, data, layout);
                return "vlan-stack";
            case 9 when layout.TagInsertOffset >= 0:
                frame.Data = MplsStack(random, data, layout);
                return "mpls-stack";
            case 10 when layout.HasTcp:
                data[layout.TcpOffset + 13] = random.Next(2) == 0 ? TcpFlagCombinations[random.Next(TcpFlagCombinations.Length)] : (byte)random.Next(256);
                return "tcp-flags";
            case 11 when layout.HasTcp:
            {
                int field = layout.TcpOffset + (random.Next(2) == 0 ? 4 : 8);
                uint value = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(field));
                uint[] choices = [0, uint.MaxValue, value + 1, value - 1, value + (uint)random.Next(1, 70000), value - (uint)random.Next(1, 70000), (uint)random.Next() * 2u];
                BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(field), choices[random.Next(choices.Length)]);
                return "tcp-seq-ack";
            }
            case 12 when layout.HasTcp:
                WriteU16(data, layout.TcpOffset + 14, random.Next(2) == 0 ? 0 : random.Next(0x10000));
                return "tcp-window";
            case 13 when layout.HasTcp:
            {
                int[] choices = [0, 80, 443, 22, random.Next(0x10000), TunnelPorts[random.Next(TunnelPorts.Length)]];
                WriteU16(data, layout.TcpOffset + (random.Next(2) == 0 ? 0 : 2), choices[random.Next(choices.Length)]);
                return "tcp-ports";
            }
            case 14 when layout.HasIp:
                IpAddresses(random, data, layout);
                return "ip-addresses";
            case 15 when layout.ProtocolFieldOffset >= 0:
            {
                byte protocol = IpProtocols[random.Next(IpProtocols.Length)];
                data[layout.ProtocolFieldOffset] = protocol;
                if (protocol == 17 && layout.TransportOffset >= 0 && layout.TransportOffset + 4 <= data.Length && random.Next(4) != 0)
                    WriteU16(data, layout.TransportOffset + 2, TunnelPorts[random.Next(TunnelPorts.Length)]);
                return "ip-protocol";
            }
            case 16 when layout.HasIp:
                data[layout.IpOffset] = (byte)((random.Next(3) switch { 0 => 4, 1 => 6, _ => random.Next(16) }) << 4 | (data[layout.IpOffset] & 0x0F));
                return "ip-version";
            case 17 when layout.EtherTypeOffset >= 0:
                WriteU16(data, layout.EtherTypeOffset, random.Next(4) == 0 ? random.Next(0x10000) : EtherTypes[random.Next(EtherTypes.Length)]);
                return "ethertype";
            case 18 when data.Length > 0:
            {
                // The capture kept fewer bytes than the wire carried: cut at a header edge or anywhere.
                int[] edges = [layout.IpOffset, layout.IpOffset + 1, layout.TcpOffset, layout.TcpOffset + 12, layout.TcpOffset + 19,
                    layout.TcpOffset + 20, layout.TcpOffset + layout.TcpHeaderLength - 1, random.Next(data.Length)];
                int cut = Math.Clamp(edges[random.Next(edges.Length)], 0, data.Length);
                frame.OriginalExcess += data.Length - cut;
                frame.Data = data[..cut];
                return "snaplen-cut";
            }
            case 19:
            {
                long[] choices = [-frame.Data.Length, -1, 1, random.Next(1, 100_000), int.MaxValue];
                frame.OriginalExcess = choices[random.Next(choices.Length)];
                return "original-length";
            }
            case 20:
                frame.LinkType = LinkTypes[random.Next(LinkTypes.Length)];
                return "link-type";
            case 21 when layout.HasIp:
                frame.Data = TunnelWrap(random, data, layout);
                return "tunnel-wrap";
            case 22 when layout.HasTcp && layout.TcpHeaderLength >= 20:
            {
                // Make the header claim more (or less) than is there, keeping every other field sane.
                int excess = random.Next(2) == 0 ? 4 * random.Next(1, 11) : -data.Length;
                int end = Math.Clamp(layout.TcpOffset + layout.TcpHeaderLength + excess, layout.TcpOffset, data.Length);
                frame.Data = data[..end];
                return "tcp-header-past-end";
            }
            case 23 when layout.HasIp:
            {
                // A packet of zero or minimal payload after the IP header, with lengths that still agree.
                frame.Data = data[..Math.Min(data.Length, (layout.TransportOffset >= 0 ? layout.TransportOffset : layout.IpOffset) + random.Next(24))];
                return "short-packet";
            }
        }
        return "";
    }

    private static byte[] Ipv6ExtensionChain(Random random, byte[] data, FrameLayout layout)
    {
        // A chain of extension headers of one type, each naming the same type next: it loops until a bound stops it,
        // or ends by pointing at the original upper layer, or runs off the end of the frame.
        byte[] types = [0, 60, 43, 51, 135, 253];
        byte type = types[random.Next(types.Length)];
        int count = StackDepths[random.Next(StackDepths.Length)];
        if (random.Next(4) == 0) count = random.Next(1, 200);
        int insertAt = layout.Ipv6ChainOffset;
        byte originalNext = data[layout.IpOffset + 6];
        var chain = new byte[count * 8];
        for (int i = 0; i < count; i++)
            chain[i * 8] = type; // length 0: 8 bytes for every type (AH counts 4-byte units minus 2, so 8 too)
        switch (random.Next(4))
        {
            case 0: chain[^8] = originalNext; break;             // a long but finite chain
            case 1: chain[^7] = (byte)random.Next(1, 256); break; // the last header's length runs off the end
            case 2: chain[random.Next(count) * 8 + 1] = 255; break;
        }
        data[layout.IpOffset + 6] = type;
        var result = ByteEdits.Insert(data, insertAt, chain);
        if (random.Next(2) == 0)
            AdjustIpLength(result, layout, chain.Length);
        if (random.Next(5) == 0)
            result = result[..Math.Min(result.Length, insertAt + random.Next(chain.Length + 1))];
        return result;
    }

    private static byte[] TcpOptions(Random random, byte[] data, FrameLayout layout)
    {
        int tcp = layout.TcpOffset;
        int optionsLength = Math.Max(0, Math.Min(layout.TcpHeaderLength, data.Length - tcp) - 20);
        if (optionsLength == 0 || random.Next(3) == 0)
        {
            // Grow the header to make room for options, with the IP lengths following (or not).
            int words = random.Next(1, 11);
            data = ByteEdits.Insert(data, tcp + 20 + optionsLength, new byte[words * 4]);
            optionsLength += words * 4;
            data[tcp + 12] = (byte)(Math.Min(15, 5 + optionsLength / 4) << 4 | (data[tcp + 12] & 0x0F));
            if (random.Next(4) != 0)
                AdjustIpLength(data, layout, words * 4);
        }
        var options = data.AsSpan(tcp + 20, Math.Min(optionsLength, data.Length - tcp - 20));
        if (options.IsEmpty)
            return data;
        byte[] kinds = [2, 3, 4, 5, 8, 34, 254, 1, 0, 30, 29, 19, (byte)random.Next(256)];
        int at = random.Next(options.Length);
        switch (random.Next(6))
        {
            case 0:
            case 1:
                // A length that cannot be: 0 or 1 (the walk must not stall), or one past the end.
                options[at] = kinds[random.Next(kinds.Length)];
                if (at + 1 < options.Length)
                    options[at + 1] = random.Next(3) switch { 0 => 0, 1 => 1, _ => (byte)Math.Min(255, options.Length - at + 1) };
                break;
            case 2:
            {
                // SACK blocks, any number (the length byte allows up to 31; the header up to 4).
                options[at] = 5;
                if (at + 1 < options.Length)
                    options[at + 1] = (byte)(random.Next(2) == 0 ? 2 + 8 * random.Next(6) : random.Next(256));
                random.NextBytes(options[Math.Min(options.Length, at + 2)..]);
                break;
            }
            case 3:
                random.NextBytes(options);
                break;
            case 4:
                options.Fill(1); // all no-ops
                if (random.Next(2) == 0) options[^1] = kinds[random.Next(kinds.Length)];
                break;
            default:
                options[at] = kinds[random.Next(kinds.Length)];
                if (at + 1 < options.Length) options[at + 1] = (byte)random.Next(256);
                break;
        }
        return data;
    }

    private static byte[] VlanStack(Random random, byte[] data, FrameLayout layout)
    {
        ushort[] tpids = [0x8100, 0x88A8, 0x9100, 0x9200];
        int count = random.Next(3) == 0 ? random.Next(1, 400) : StackDepths[random.Next(StackDepths.Length)];
        var tags = new byte[count * 4];
        for (int i = 0; i < count; i++)
        {
            WriteU16(tags, i * 4, tpids[random.Next(tpids.Length)]);
            WriteU16(tags, i * 4 + 2, random.Next(0x10000));
        }
        return ByteEdits.Insert(data, layout.TagInsertOffset, tags);
    }

    private static byte[] MplsStack(Random random, byte[] data, FrameLayout layout)
    {
        int count = random.Next(3) == 0 ? random.Next(1, 400) : StackDepths[random.Next(StackDepths.Length)];
        var labels = new byte[2 + count * 4];
        WriteU16(labels, 0, random.Next(2) == 0 ? 0x8847 : 0x8848);
        for (int i = 0; i < count; i++)
        {
            uint entry = (uint)random.Next() & ~0x100u;
            if (i == count - 1 && random.Next(3) != 0) entry |= 0x100; // bottom of stack, or never
            BinaryPrimitives.WriteUInt32BigEndian(labels.AsSpan(2 + i * 4), entry);
        }
        // The labels replace the EtherType: MAC addresses, 0x8847, labels, then the IP header directly.
        int etherTypeEnd = layout.EtherTypeOffset >= 0 ? layout.EtherTypeOffset + 2 : layout.TagInsertOffset;
        return ByteEdits.Replace(data, layout.TagInsertOffset, etherTypeEnd - layout.TagInsertOffset, labels);
    }

    private static void IpAddresses(Random random, byte[] data, FrameLayout layout)
    {
        int size = layout.IpVersion == 4 ? 4 : 16;
        int source = layout.IpOffset + (layout.IpVersion == 4 ? 12 : 8), destination = source + size;
        switch (random.Next(4))
        {
            case 0: random.NextBytes(data.AsSpan(source, size)); break; // a flood of distinct sources
            case 1: random.NextBytes(data.AsSpan(destination, size)); break;
            case 2: data.AsSpan(source, size).CopyTo(data.AsSpan(destination, size)); break; // a LAND packet
            default:
                var original = data.AsSpan(source, size).ToArray();
                data.AsSpan(destination, size).CopyTo(data.AsSpan(source, size));
                original.CopyTo(data.AsSpan(destination, size));
                break;
        }
    }

    /// <summary>
    /// Puts the IP packet inside a tunnel: IP-in-IP, GRE (with random flags and payload type), or UDP to VXLAN, Geneve,
    /// GTP-U, Teredo or GRE-in-UDP, with lengths right or wrong. Wrapping again nests past the tunnel limit.
    /// </summary>
    private static byte[] TunnelWrap(Random random, byte[] data, FrameLayout layout)
    {
        var inner = data.AsSpan(layout.IpOffset);
        bool innerIsIpv6 = layout.IpVersion == 6;
        var tunnel = new List<byte>();
        byte protocol;
        switch (random.Next(5))
        {
            case 0:
                protocol = innerIsIpv6 ? (byte)41 : (byte)4;
                break;
            case 1:
            {
                protocol = 47;
                ushort flags = (ushort)(random.Next(3) switch { 0 => 0, 1 => 0x3000, _ => random.Next(0x10000) });
                tunnel.AddRange(U16(flags));
                tunnel.AddRange(U16(random.Next(4) == 0 ? (ushort)0x6558 : innerIsIpv6 ? (ushort)0x86DD : (ushort)0x0800));
                foreach (ushort optionalField in (ReadOnlySpan<ushort>)[0x8000, 0x2000, 0x1000]) // checksum, key, sequence
                    if ((flags & optionalField) != 0) tunnel.AddRange(new byte[4]);
                break;
            }
            default:
            {
                protocol = 17;
                ushort port = TunnelPorts[random.Next(TunnelPorts.Length)];
                var header = new List<byte>();
                switch (port)
                {
                    case 4789: header.AddRange([0x08, 0, 0, 0, 0, 0, 1, 0]); header.AddRange(EthernetHeader(innerIsIpv6)); break;
                    case 6081: header.AddRange([(byte)random.Next(4), 0, .. U16(innerIsIpv6 ? (ushort)0x86DD : (ushort)0x0800), 0, 0, 1, 0]); break;
                    case 2152:
                        header.AddRange([(byte)(random.Next(2) == 0 ? 0x30 : random.Next(256)), 0xFF, .. U16((ushort)(inner.Length + random.Next(-2, 3))), 0, 0, 0, 1]);
                        break;
                    case 4754: header.AddRange([0, 0, .. U16(innerIsIpv6 ? (ushort)0x86DD : (ushort)0x0800)]); break;
                }
                tunnel.AddRange(U16((ushort)random.Next(1024, 65535)));
                tunnel.AddRange(U16(port));
                int udpLength = 8 + header.Count + inner.Length;
                tunnel.AddRange(U16((ushort)(random.Next(5) == 0 ? random.Next(0x10000) : udpLength)));
                tunnel.AddRange([0, 0]);
                tunnel.AddRange(header);
                break;
            }
        }

        int totalLength = 20 + tunnel.Count + inner.Length;
        var outer = new byte[20];
        outer[0] = 0x45;
        WriteU16(outer, 2, random.Next(6) == 0 ? random.Next(0x10000) : Math.Min(totalLength, 0xFFFF));
        outer[8] = 64;
        outer[9] = protocol;
        random.NextBytes(outer.AsSpan(12, 8));
        var wrapped = new byte[layout.IpOffset + totalLength];
        data.AsSpan(0, layout.IpOffset).CopyTo(wrapped);
        outer.CopyTo(wrapped.AsSpan(layout.IpOffset));
        tunnel.ToArray().CopyTo(wrapped.AsSpan(layout.IpOffset + 20));
        inner.CopyTo(wrapped.AsSpan(layout.IpOffset + 20 + tunnel.Count));
        // The link header announced the inner version; it now carries IPv4.
        if (layout.EtherTypeOffset >= 0 && layout.EtherTypeOffset + 2 <= layout.IpOffset)
            WriteU16(wrapped, layout.EtherTypeOffset, 0x0800);
        return wrapped;
    }

    private static byte[] EthernetHeader(bool ipv6) => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, .. U16(ipv6 ? (ushort)0x86DD : (ushort)0x0800)];

    /// <summary>After inserting <paramref name="added"/> bytes inside the IP packet, make its length field agree.</summary>
    private static void AdjustIpLength(byte[] data, FrameLayout layout, int added)
    {
        int field = layout.IpVersion == 4 ? layout.IpOffset + 2 : layout.IpOffset + 4;
        if (field + 2 > data.Length) return;
        int value = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(field));
        if (value != 0)
            WriteU16(data, field, Math.Min(0xFFFF, value + added));
    }

    private static byte[] U16(ushort value) => [(byte)(value >> 8), (byte)value];

    private static void WriteU16(Span<byte> bytes, int offset, int value)
    {
        if (offset >= 0 && offset + 2 <= bytes.Length)
            BinaryPrimitives.WriteUInt16BigEndian(bytes[offset..], (ushort)value);
    }
}
