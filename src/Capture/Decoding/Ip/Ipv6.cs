using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Ip;

/// <summary>The IPv6 fixed header (RFC 8200 §3), followed by its extension header chain.</summary>
internal static class Ipv6
{
    public const int HeaderLength = 40;
    private const int VersionOffset = 0;
    private const int PayloadLengthOffset = 4;
    private const int NextHeaderOffset = 6;
    private const int HopLimitOffset = 7;
    private const int SourceOffset = 8;
    private const int DestinationOffset = 24;
    private const int AddressLength = 16;

    public static Layer Decode(ref DecodeState state)
    {
        int start = state.Offset;
        if (!state.TryRead(HeaderLength, MalformedReason.IpHeaderTooShort, out var header))
            return Layer.Done;
        if (header[VersionOffset] >> 4 != 6)
            return state.Malformed(MalformedReason.IpVersionMismatch);

        // A payload length of 0 is a jumbogram (RFC 2675, length in a hop-by-hop option) or, as Linux BIG TCP writes
        // them, a large GSO packet with no option at all. Either way the frame, not the header, says where it ends,
        // so the payload runs to the end of the enclosing region.
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(header[PayloadLengthOffset..]);
        if (payloadLength != 0 &&
            !state.TryLimitRegion(start, HeaderLength + payloadLength, MalformedReason.Ipv6PayloadLength))
            return Layer.Done;

        ref var segment = ref state.Segment;
        segment.IpVersion = 6;
        segment.Ttl = header[HopLimitOffset];
        segment.Source = IpAddress.FromIpv6(header.Slice(SourceOffset, AddressLength));
        segment.Destination = IpAddress.FromIpv6(header.Slice(DestinationOffset, AddressLength));
        state.BeginIpPayload();

        byte nextHeader = header[NextHeaderOffset];
        if (!Ipv6ExtensionHeaders.TrySkip(ref state, ref nextHeader))
            return Layer.Done;
        return IpProtocol.Next(nextHeader, state.DecodeTunnels);
    }
}
