using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// One VLAN tag (802.1Q C-tag, 802.1ad S-tag, or a pre-standard 0x9100/0x9200 tag): the tag control information, then
/// the EtherType of what follows. The tag's own TPID was the EtherType that led here.
/// </summary>
internal static class Vlan
{
    public const int TagLength = 4;
    private const int TagControlOffset = 0;
    private const int InnerEtherTypeOffset = 2;
    private const ushort VlanIdMask = 0x0FFF;

    public static Layer Decode(ref DecodeState state)
    {
        if (state.VlanTags >= DecoderLimits.MaxVlanTags)
            return state.Malformed(MalformedReason.VlanStackTooDeep);
        if (!state.TryRead(TagLength, MalformedReason.LinkHeaderTooShort, out var tag))
            return Layer.Done;

        // The outermost tag is the one that says which VLAN the capture saw the frame on, as Zeek's `vlan` field does.
        if (state.VlanTags == 0)
            state.Segment.VlanId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(tag[TagControlOffset..]) & VlanIdMask);
        state.VlanTags++;
        return EtherType.Next(BinaryPrimitives.ReadUInt16BigEndian(tag[InnerEtherTypeOffset..]));
    }
}
