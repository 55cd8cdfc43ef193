using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// Linux cooked capture header v2 (LINKTYPE_LINUX_SLL2): the protocol comes first, then reserved bytes, the interface
/// index, the ARPHRD device type, packet type, address length and 8 address bytes.
/// </summary>
internal static class LinuxSll2
{
    public const int HeaderLength = 20;
    private const int ProtocolOffset = 0;
    private const int ArphrdTypeOffset = 8;

    public static Layer Decode(ref DecodeState state)
    {
        if (!state.TryRead(HeaderLength, MalformedReason.LinkHeaderTooShort, out var header))
            return Layer.Done;
        return LinuxCookedProtocol.Next(
            BinaryPrimitives.ReadUInt16BigEndian(header[ArphrdTypeOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(header[ProtocolOffset..]));
    }
}
