using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Link;

/// <summary>Ethernet II / 802.3 MAC header: destination, source, then an EtherType or an 802.3 length.</summary>
internal static class Ethernet
{
    public const int HeaderLength = 14;
    private const int EtherTypeOffset = 12;

    public static Layer Decode(ref DecodeState state)
    {
        if (!state.TryRead(HeaderLength, MalformedReason.LinkHeaderTooShort, out var header))
            return Layer.Done;
        return EtherType.Next(BinaryPrimitives.ReadUInt16BigEndian(header[EtherTypeOffset..]));
    }
}
