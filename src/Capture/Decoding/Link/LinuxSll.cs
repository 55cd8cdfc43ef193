using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// Linux "cooked" capture header v1 (LINKTYPE_LINUX_SLL, what `tcpdump -i any` writes): packet type, ARPHRD device
/// type, link-layer address length and up to 8 address bytes, then the protocol as an EtherType.
/// </summary>
internal static class LinuxSll
{
    public const int HeaderLength = 16;
    private const int ArphrdTypeOffset = 2;
    private const int ProtocolOffset = 14;

    public static Layer Decode(ref DecodeState state)
    {
        if (!state.TryRead(HeaderLength, MalformedReason.LinkHeaderTooShort, out var header))
            return Layer.Done;
        return LinuxCookedProtocol.Next(
            BinaryPrimitives.ReadUInt16BigEndian(header[ArphrdTypeOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(header[ProtocolOffset..]));
    }
}
