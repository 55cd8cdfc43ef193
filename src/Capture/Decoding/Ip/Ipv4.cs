using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Ip;

/// <summary>The IPv4 header (RFC 791 §3.1). Options are skipped; the header checksum is not checked.</summary>
internal static class Ipv4
{
    public const int MinimumHeaderLength = 20;
    private const int VersionAndHeaderLengthOffset = 0;
    private const int TotalLengthOffset = 2;
    private const int FlagsAndFragmentOffsetOffset = 6;
    private const int TtlOffset = 8;
    private const int ProtocolOffset = 9;
    private const int SourceOffset = 12;
    private const int DestinationOffset = 16;
    private const int AddressLength = 4;

    private const ushort MoreFragmentsFlag = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    public static Layer Decode(ref DecodeState state)
    {
        int start = state.Offset;
        if (!state.TryRead(MinimumHeaderLength, MalformedReason.IpHeaderTooShort, out var header))
            return Layer.Done;

        byte versionAndHeaderLength = header[VersionAndHeaderLengthOffset];
        if (versionAndHeaderLength >> 4 != 4)
            return state.Malformed(MalformedReason.IpVersionMismatch);
        int headerLength = (versionAndHeaderLength & 0x0F) * 4;
        if (headerLength < MinimumHeaderLength)
            return state.Malformed(MalformedReason.Ipv4HeaderLength);
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(header[TotalLengthOffset..]);

        // TCP segmentation offload: the capture saw the packet before the NIC filled in the total length (and the
        // checksums). Like Zeek, the frame's length stands in only when checksums are ignored (-C), the setting such
        // captures need anyway; otherwise a zero is as impossible as any length shorter than the header.
        bool offloadedLength = totalLength == 0 && !state.VerifyChecksums;
        if (!offloadedLength)
        {
            if (totalLength < headerLength)
                return state.Malformed(MalformedReason.Ipv4TotalLength);
            // The total length bounds everything inside; what follows it on the link (Ethernet padding) is not ours.
            if (!state.TryLimitRegion(start, totalLength, MalformedReason.Ipv4TotalLength))
                return Layer.Done;
        }
        if (!state.TrySkip(headerLength - MinimumHeaderLength, MalformedReason.IpHeaderTooShort))
            return Layer.Done;

        ref var segment = ref state.Segment;
        segment.IpVersion = 4;
        segment.Ttl = header[TtlOffset];
        segment.Source = IpAddress.FromIpv4(header.Slice(SourceOffset, AddressLength));
        segment.Destination = IpAddress.FromIpv4(header.Slice(DestinationOffset, AddressLength));
        state.BeginIpPayload();

        ushort flagsAndFragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(header[FlagsAndFragmentOffsetOffset..]);
        if ((flagsAndFragmentOffset & (MoreFragmentsFlag | FragmentOffsetMask)) != 0)
        {
            state.Notes |= DecodeNotes.IpFragment;
            // Only the first fragment carries the transport header (RFC 791 §2.3, fragmentation).
            if ((flagsAndFragmentOffset & FragmentOffsetMask) != 0)
                return state.Stop(DecodeOutcome.NonFirstFragment);
            state.EnterFirstFragmentPayload();
        }

        return IpProtocol.Next(header[ProtocolOffset], state.DecodeTunnels);
    }
}
