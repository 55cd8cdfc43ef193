using System.Buffers.Binary;
using TcpState.Capture.Decoding.Ip;

namespace TcpState.Capture.Decoding.Transport;

/// <summary>The TCP header (RFC 9293 §3.1): fills the caller's <see cref="TcpSegment"/> and checks the checksum.</summary>
internal static class Tcp
{
    public const int MinimumHeaderLength = 20;
    private const int SourcePortOffset = 0;
    private const int DestinationPortOffset = 2;
    private const int SequenceOffset = 4;
    private const int AcknowledgmentOffset = 8;
    private const int DataOffsetAndAeOffset = 12;
    private const int FlagsOffset = 13;
    private const int WindowOffset = 14;
    private const int UrgentPointerOffset = 18;

    /// <summary>AE (RFC 9768, accurate ECN) is the last of the once-reserved bits, the low bit of byte 12.</summary>
    private const byte AeBit = 0x01;

    public static Layer Decode(ref DecodeState state)
    {
        int start = state.Offset;
        if (!state.TryRead(MinimumHeaderLength, MalformedReason.TcpHeaderTooShort, out var header))
            return Layer.Done;
        int headerLength = (header[DataOffsetAndAeOffset] >> 4) * 4;
        if (headerLength < MinimumHeaderLength)
            return state.Malformed(MalformedReason.TcpDataOffset);
        if (!state.TryRead(headerLength - MinimumHeaderLength, MalformedReason.TcpDataOffset, out var options))
            return Layer.Done;

        ref var segment = ref state.Segment;
        segment.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(header[SourcePortOffset..]);
        segment.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(header[DestinationPortOffset..]);
        segment.Sequence = BinaryPrimitives.ReadUInt32BigEndian(header[SequenceOffset..]);
        segment.Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(header[AcknowledgmentOffset..]);
        segment.Flags = (TcpFlags)(header[FlagsOffset] | (header[DataOffsetAndAeOffset] & AeBit) << 8);
        segment.Window = BinaryPrimitives.ReadUInt16BigEndian(header[WindowOffset..]);
        segment.UrgentPointer = BinaryPrimitives.ReadUInt16BigEndian(header[UrgentPointerOffset..]);
        segment.Options = options.IsEmpty ? TcpOptions.None : TcpOptionsParser.Parse(options);
        segment.TunnelDepth = (byte)state.TunnelDepth;

        // The header fitted, so Offset <= End <= IpPayloadEnd.
        int payloadStart = state.Offset;
        segment.PayloadLength = state.IpPayloadEnd - payloadStart;
        segment.CapturedPayloadLength = state.End - payloadStart;

        bool wholeSegmentCaptured = segment.CapturedPayloadLength == segment.PayloadLength;
        if (!wholeSegmentCaptured && !state.EndIsFragmentEnd)
            state.Notes |= DecodeNotes.TcpPayloadTruncatedBySnaplen;

        segment.Checksum = state.VerifyChecksums && wholeSegmentCaptured && !state.IpIsFragment &&
                           !state.PseudoHeaderDestinationElsewhere
            ? Verify(state.Bytes(start, state.IpPayloadEnd), segment.Source, segment.Destination)
            : ChecksumStatus.NotVerified;

        return state.Stop(DecodeOutcome.Tcp);
    }

    private static ChecksumStatus Verify(ReadOnlySpan<byte> tcpSegment, IpAddress source, IpAddress destination)
    {
        ulong sum = InternetChecksum.PseudoHeaderSum(source, destination, IpProtocol.Tcp, tcpSegment.Length)
                    + InternetChecksum.Sum(tcpSegment);
        return InternetChecksum.IsValid(sum) ? ChecksumStatus.Valid : ChecksumStatus.Invalid;
    }
}
