using System.Buffers.Binary;
using System.Net;

namespace TcpState.Capture.Decoding;

/// <summary>
/// An IPv4 or IPv6 address as a 16-byte value. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), as Zeek does,
/// so both families share one key layout and no address ever needs an object.
/// </summary>
public readonly record struct IpAddress(ulong High, ulong Low)
{
    private const ulong V4MappedMarker = 0x0000_FFFF_0000_0000UL;

    public static IpAddress FromIpv4(ReadOnlySpan<byte> fourBytes) =>
        new(0, V4MappedMarker | BinaryPrimitives.ReadUInt32BigEndian(fourBytes));

    public static IpAddress FromIpv4(uint address) => new(0, V4MappedMarker | address);

    public static IpAddress FromIpv6(ReadOnlySpan<byte> sixteenBytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes), BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes[8..]));

    public static IpAddress Parse(string text)
    {
        var parsed = IPAddress.Parse(text);
        Span<byte> bytes = stackalloc byte[16];
        parsed.TryWriteBytes(bytes, out int written);
        return written == 4 ? FromIpv4(bytes[..4]) : FromIpv6(bytes);
    }

    public bool IsIpv4 => High == 0 && (Low & 0xFFFF_FFFF_0000_0000UL) == V4MappedMarker;

    public uint Ipv4Value => (uint)Low;

    /// <summary>Writes the address in network byte order: 4 bytes for IPv4, 16 for IPv6. Returns the count.</summary>
    public int WriteBytes(Span<byte> destination)
    {
        if (IsIpv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Low);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
        return 16;
    }

    public int CompareTo(IpAddress other)
    {
        int c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }

    /// <summary>Bytes <see cref="FormatUtf8"/> may write (an IPv6 address with an embedded IPv4 one, at most 45).</summary>
    public const int MaxTextLength = 48;

    /// <summary>Writes <see cref="ToString"/> as UTF-8 and returns the count; IPv4 without making a string or an <see cref="IPAddress"/>.</summary>
    public int FormatUtf8(Span<byte> destination)
    {
        if (!IsIpv4)
        {
            Span<byte> bytes = stackalloc byte[16];
            new IPAddress(bytes[..WriteBytes(bytes)]).TryFormat(destination, out int formatted);
            return formatted;
        }
        uint value = (uint)Low;
        int written = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            ((byte)(value >> shift)).TryFormat(destination[written..], out int octet, default, System.Globalization.CultureInfo.InvariantCulture);
            written += octet;
            if (shift > 0) destination[written++] = (byte)'.';
        }
        return written;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        int n = WriteBytes(bytes);
        return new IPAddress(bytes[..n]).ToString();
    }
}
