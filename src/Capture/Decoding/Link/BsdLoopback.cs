using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// BSD loopback encapsulation: a 4-byte address family. LINKTYPE_NULL writes it in the capturing host's byte order,
/// LINKTYPE_LOOP (OpenBSD) in network byte order. IPv6's AF_INET6 differs by system, so every known value is accepted.
/// </summary>
internal static class BsdLoopback
{
    public const int HeaderLength = 4;

    private const uint AfInet = 2;
    private const uint AfInet6Linux = 10;
    private const uint AfInet6NetBsdOpenBsd = 24;
    private const uint AfInet6FreeBsd = 28;
    private const uint AfInet6Darwin = 30;

    public static Layer DecodeHostOrder(ref DecodeState state)
    {
        if (!state.TryRead(HeaderLength, MalformedReason.LinkHeaderTooShort, out var header))
            return Layer.Done;
        // The file does not say which byte order its writer used. Address families are small numbers, so a value
        // that does not fit in 16 bits was written by a host of the other byte order.
        uint family = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (family > 0xFFFF)
            family = BinaryPrimitives.ReverseEndianness(family);
        return Next(family);
    }

    public static Layer DecodeNetworkOrder(ref DecodeState state)
    {
        if (!state.TryRead(HeaderLength, MalformedReason.LinkHeaderTooShort, out var header))
            return Layer.Done;
        return Next(BinaryPrimitives.ReadUInt32BigEndian(header));
    }

    private static Layer Next(uint family) => family switch
    {
        AfInet => Layer.Ipv4,
        AfInet6Linux or AfInet6NetBsdOpenBsd or AfInet6FreeBsd or AfInet6Darwin => Layer.Ipv6,
        _ => Layer.OtherProtocol,
    };
}
