using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Link;

/// <summary>Cisco VN-Tag (802.1Qbh's predecessor): a 4-byte virtual interface tag, then the EtherType of what follows.</summary>
internal static class VnTag
{
    public const int TagLength = 4;
    private const int InnerEtherTypeOffset = TagLength;
    private const int HeaderLength = TagLength + 2;

    public static Layer Decode(ref DecodeState state)
    {
        if (!state.TryRead(HeaderLength, MalformedReason.LinkHeaderTooShort, out var header))
            return Layer.Done;
        return EtherType.Next(BinaryPrimitives.ReadUInt16BigEndian(header[InnerEtherTypeOffset..]));
    }
}
