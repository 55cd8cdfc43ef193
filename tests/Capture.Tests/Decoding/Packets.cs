using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using TcpState.Capture.Decoding;

namespace TcpState.Capture.Tests.Decoding;

/// <summary>
/// Builds frames byte by byte for decoder tests, and reads the hex that `tcpdump -xx` prints. The builders fill in
/// lengths and TCP checksums (with <see cref="ReferenceChecksum"/>, not the code under test) unless told otherwise.
/// </summary>
internal static class Packets
{
    public const string Ipv4Source = "192.0.2.1";
    public const string Ipv4Destination = "198.51.100.2";
    public const string Ipv6Source = "2001:db8::1";
    public const string Ipv6Destination = "2001:db8::2";

    /// <summary>Reads the lines of `tcpdump -xx` output ("\t0x0010:  0058 0000 ..."); other lines are ignored.</summary>
    public static byte[] FromTcpdump(string dump)
    {
        var bytes = new List<byte>();
        foreach (var rawLine in dump.Split('\n'))
        {
            var line = rawLine.Trim();
            if (!line.StartsWith("0x", StringComparison.Ordinal))
                continue;
            var hex = line[(line.IndexOf(':') + 1)..].Replace(" ", "", StringComparison.Ordinal);
            bytes.AddRange(Convert.FromHexString(hex));
        }
        return bytes.ToArray();
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    public static byte[] U16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Ethernet(ushort etherType, byte[] payload) =>
        Concat(Hex("020000000002"), Hex("020000000001"), U16(etherType), payload);

    /// <summary>A VLAN tag's body as it follows its TPID: tag control information, then the inner EtherType.</summary>
    public static byte[] VlanTag(ushort vlanId, ushort innerEtherType, int priority = 0) =>
        Concat(U16(priority << 13 | vlanId), U16(innerEtherType));

    public static byte[] MplsLabel(uint label, bool bottomOfStack, byte ttl = 64) =>
        U32(label << 12 | (bottomOfStack ? 0x100u : 0u) | ttl);

    public static byte[] Tcp(
        ushort sourcePort = 40000, ushort destinationPort = 80, uint sequence = 1000, uint acknowledgment = 0,
        TcpFlags flags = TcpFlags.Syn, ushort window = 65535, byte[]? options = null, byte[]? payload = null,
        int? dataOffsetWords = null, ushort urgentPointer = 0)
    {
        options ??= [];
        payload ??= [];
        var paddedOptions = new byte[(options.Length + 3) / 4 * 4];
        options.CopyTo(paddedOptions, 0);
        int words = dataOffsetWords ?? 5 + paddedOptions.Length / 4;
        var header = Concat(
            U16(sourcePort), U16(destinationPort), U32(sequence), U32(acknowledgment),
            [(byte)(words << 4 | ((int)flags >> 8 & 1)), (byte)flags],
            U16(window), U16(0), U16(urgentPointer));
        return Concat(header, paddedOptions, payload);
    }

    public static byte[] Udp(ushort sourcePort, ushort destinationPort, byte[] payload, int? length = null) =>
        Concat(U16(sourcePort), U16(destinationPort), U16(length ?? 8 + payload.Length), U16(0), payload);

    public static byte[] Ipv4(
        byte protocol, byte[] payload, string source = Ipv4Source, string destination = Ipv4Destination,
        byte ttl = 64, ushort flagsAndFragmentOffset = 0, byte[]? options = null, int? totalLength = null,
        int? headerLengthWords = null, bool fillTcpChecksum = true)
    {
        options ??= [];
        int headerLength = 20 + options.Length;
        var src = IPAddress.Parse(source).GetAddressBytes();
        var dst = IPAddress.Parse(destination).GetAddressBytes();
        if (protocol == 6 && fillTcpChecksum && payload.Length >= 20)
            payload = WithTcpChecksum(payload, src, dst);
        var header = Concat(
            [(byte)(0x40 | (headerLengthWords ?? headerLength / 4)), 0],
            U16(totalLength ?? headerLength + payload.Length),
            U16(0x1234), U16(flagsAndFragmentOffset), [ttl, protocol], U16(0), src, dst, options);
        return Concat(header, payload);
    }

    /// <summary>
    /// An IPv6 packet. <paramref name="extensionHeaders"/> sit between the fixed header and <paramref name="payload"/>
    /// and carry their own next-header values; <paramref name="firstNextHeader"/> is the fixed header's.
    /// </summary>
    public static byte[] Ipv6(
        byte upperProtocol, byte[] payload, byte[]? extensionHeaders = null, byte? firstNextHeader = null,
        string source = Ipv6Source, string destination = Ipv6Destination, byte hopLimit = 64,
        int? payloadLength = null, bool fillTcpChecksum = true)
    {
        extensionHeaders ??= [];
        var src = IPAddress.Parse(source).GetAddressBytes();
        var dst = IPAddress.Parse(destination).GetAddressBytes();
        if (upperProtocol == 6 && fillTcpChecksum && payload.Length >= 20)
            payload = WithTcpChecksum(payload, src, dst);
        var header = Concat(
            Hex("60000000"), U16(payloadLength ?? extensionHeaders.Length + payload.Length),
            [firstNextHeader ?? upperProtocol, hopLimit], src, dst);
        return Concat(header, extensionHeaders, payload);
    }

    /// <summary>An extension header in RFC 8200's common format, (units + 1) * 8 bytes, padded with Pad1 options.</summary>
    public static byte[] Ipv6Extension(byte nextHeader, int lengthUnits = 0)
    {
        var header = new byte[(lengthUnits + 1) * 8];
        header[0] = nextHeader;
        header[1] = (byte)lengthUnits;
        return header;
    }

    public static byte[] Ipv6Routing(byte nextHeader, byte segmentsLeft)
    {
        var header = Ipv6Extension(nextHeader, 2);
        header[2] = 0; // type 0, enough for the decoder's purposes
        header[3] = segmentsLeft;
        return header;
    }

    public static byte[] Ipv6Fragment(byte nextHeader, int offsetUnits, bool moreFragments) =>
        Concat([nextHeader, 0], U16(offsetUnits << 3 | (moreFragments ? 1 : 0)), U32(0xABCD));

    /// <summary>An authentication header whose length field is <paramref name="lengthField"/>: (field + 2) * 4 bytes.</summary>
    public static byte[] AuthenticationHeader(byte nextHeader, int lengthField)
    {
        var header = new byte[(lengthField + 2) * 4];
        header[0] = nextHeader;
        header[1] = (byte)lengthField;
        return header;
    }

    public static byte[] WithTcpChecksum(byte[] tcpSegment, byte[] sourceAddress, byte[] destinationAddress)
    {
        var copy = (byte[])tcpSegment.Clone();
        copy[16] = 0;
        copy[17] = 0;
        ushort checksum = ReferenceChecksum.Tcp(sourceAddress, destinationAddress, copy);
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(16), checksum);
        return copy;
    }

    /// <summary>Returns a copy with the 16-bit value at <paramref name="offset"/> replaced, to corrupt one field.</summary>
    public static byte[] Patch16(byte[] frame, int offset, int value)
    {
        var copy = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(offset), (ushort)value);
        return copy;
    }

    public static byte[] Patch8(byte[] frame, int offset, byte value)
    {
        var copy = (byte[])frame.Clone();
        copy[offset] = value;
        return copy;
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLower(CultureInfo.InvariantCulture);
}
