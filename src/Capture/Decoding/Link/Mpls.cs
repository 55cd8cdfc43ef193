using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// An MPLS label stack (RFC 3032 §2.1), read to its bottom entry. MPLS does not say what it carries, so the payload is
/// told by its first nibble: 4 or 6 for IP, 0 for a pseudowire control word (RFC 4385 §3) ahead of an Ethernet frame.
/// </summary>
internal static class Mpls
{
    public const int LabelStackEntryLength = 4;
    private const uint BottomOfStackBit = 0x100;
    public const int PseudowireControlWordLength = 4;

    public static Layer Decode(ref DecodeState state)
    {
        while (true)
        {
            if (state.MplsLabels >= DecoderLimits.MaxMplsLabels)
                return state.Malformed(MalformedReason.MplsStackTooDeep);
            if (!state.TryRead(LabelStackEntryLength, MalformedReason.LinkHeaderTooShort, out var entry))
                return Layer.Done;
            state.MplsLabels++;
            if ((BinaryPrimitives.ReadUInt32BigEndian(entry) & BottomOfStackBit) != 0)
                break;
        }

        if (!state.TryPeek(1, MalformedReason.LinkHeaderTooShort, out var first))
            return Layer.Done;
        switch (first[0] >> 4)
        {
            case 4: return Layer.Ipv4;
            case 6: return Layer.Ipv6;
            case 0:
                // Ethernet pseudowire with its control word; nibble 1 is the associated channel (OAM), not data.
                return state.TrySkip(PseudowireControlWordLength, MalformedReason.LinkHeaderTooShort)
                    ? Layer.Ethernet
                    : Layer.Done;
            default: return Layer.OtherProtocol;
        }
    }
}
