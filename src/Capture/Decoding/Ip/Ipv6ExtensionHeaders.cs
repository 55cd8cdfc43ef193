using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Ip;

/// <summary>
/// Walks an IPv6 extension header chain (RFC 8200 §4) to the upper-layer protocol. Every header starts with the next
/// header value; most give their length in 8-byte units not counting the first 8 (§4.3, and RFC 6564's uniform format
/// for Mobility, HIP, Shim6 and the experimental values), AH in 4-byte units not counting the first 8 (RFC 4302 §2.2),
/// and the fragment header is always 8 bytes (§4.5).
/// </summary>
internal static class Ipv6ExtensionHeaders
{
    private const int NextHeaderOffset = 0;
    private const int LengthOffset = 1;
    private const int MinimumLength = 8;

    private const int RoutingSegmentsLeftOffset = 3;

    public const int FragmentHeaderLength = 8;
    private const int FragmentOffsetOffset = 2;
    private const ushort FragmentOffsetMask = 0xFFF8;
    private const ushort MoreFragmentsFlag = 0x0001;

    public static bool IsExtensionHeader(byte nextHeader) => nextHeader is
        IpProtocol.HopByHopOptions or IpProtocol.Ipv6Routing or IpProtocol.Ipv6Fragment or
        IpProtocol.Ipv6DestinationOptions or IpProtocol.AuthenticationHeader or IpProtocol.Mobility or
        IpProtocol.HostIdentity or IpProtocol.Shim6 or IpProtocol.Experiment1 or IpProtocol.Experiment2;

    /// <summary>
    /// Moves past the extension headers. On return <paramref name="nextHeader"/> is the upper-layer protocol; false
    /// means the outcome is decided (malformed, truncated, a non-first fragment).
    /// </summary>
    public static bool TrySkip(ref DecodeState state, ref byte nextHeader)
    {
        for (int count = 0; IsExtensionHeader(nextHeader); count++)
        {
            if (count >= DecoderLimits.MaxIpv6ExtensionHeaders)
            {
                state.Malformed(MalformedReason.Ipv6ExtensionHeader);
                return false;
            }

            if (nextHeader == IpProtocol.Ipv6Fragment)
            {
                if (!TrySkipFragmentHeader(ref state, ref nextHeader))
                    return false;
                continue;
            }

            if (!state.TryPeek(MinimumLength, MalformedReason.Ipv6ExtensionHeader, out var fixedPart))
                return false;
            int length = nextHeader == IpProtocol.AuthenticationHeader
                ? (fixedPart[LengthOffset] + 2) * 4
                : (fixedPart[LengthOffset] + 1) * 8;
            if (nextHeader == IpProtocol.Ipv6Routing && fixedPart[RoutingSegmentsLeftOffset] != 0)
                state.PseudoHeaderDestinationElsewhere = true;
            if (!state.TrySkip(length, MalformedReason.Ipv6ExtensionHeader))
                return false;
            nextHeader = fixedPart[NextHeaderOffset];
        }
        return true;
    }

    private static bool TrySkipFragmentHeader(ref DecodeState state, ref byte nextHeader)
    {
        if (!state.TryRead(FragmentHeaderLength, MalformedReason.Ipv6ExtensionHeader, out var header))
            return false;
        nextHeader = header[NextHeaderOffset];
        ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(header[FragmentOffsetOffset..]);

        // An atomic fragment (offset 0, no more fragments) is a whole datagram (RFC 6946 §4).
        if ((offsetAndFlags & (FragmentOffsetMask | MoreFragmentsFlag)) == 0)
            return true;
        state.Notes |= DecodeNotes.IpFragment;
        if ((offsetAndFlags & FragmentOffsetMask) != 0)
        {
            state.Stop(DecodeOutcome.NonFirstFragment);
            return false;
        }
        state.EnterFirstFragmentPayload();
        return true;
    }
}
