using System.Buffers.Binary;
using TcpState.Capture.Decoding.Link;

namespace TcpState.Capture.Decoding.Tunnels;

/// <summary>
/// GTP-U, the GPRS/LTE/5G user-plane tunnel (3GPP TS 29.281 §5): version 1 with protocol type GTP. Only G-PDUs
/// (message type 255) carry user packets; echo, error indications and end markers are other protocols.
/// </summary>
internal static class GtpU
{
    public const int MandatoryHeaderLength = 8;
    private const int FlagsOffset = 0;
    private const int MessageTypeOffset = 1;
    private const int LengthOffset = 2;

    private const int Version = 1;
    private const byte ProtocolTypeGtp = 0x10;
    private const byte ExtensionHeaderFlag = 0x04;
    private const byte SequenceNumberFlag = 0x02;
    private const byte NPduNumberFlag = 0x01;
    private const byte GPdu = 255;

    /// <summary>Sequence number, N-PDU number and next extension type: present if any of E, S, PN is set (§5.1).</summary>
    public const int OptionalFieldsLength = 4;
    private const int NextExtensionTypeOffset = 3;
    /// <summary>Extension header lengths count 4-byte units, including the length byte and the next type byte (§5.2.1).</summary>
    private const int ExtensionLengthUnit = 4;
    private const byte NoMoreExtensionHeaders = 0;

    public static Layer Decode(ref DecodeState state)
    {
        int start = state.Offset;
        if (!state.TryRead(MandatoryHeaderLength, MalformedReason.TunnelHeader, out var header))
            return Layer.Done;
        byte flags = header[FlagsOffset];
        if (flags >> 5 != Version || (flags & ProtocolTypeGtp) == 0)
            return state.Malformed(MalformedReason.TunnelHeader);
        if (header[MessageTypeOffset] != GPdu)
            return Layer.OtherProtocol;

        // The length counts everything after the mandatory header, optional fields and extensions included.
        int length = BinaryPrimitives.ReadUInt16BigEndian(header[LengthOffset..]);
        if (!state.TryLimitRegion(start, MandatoryHeaderLength + length, MalformedReason.TunnelHeader))
            return Layer.Done;

        if ((flags & (ExtensionHeaderFlag | SequenceNumberFlag | NPduNumberFlag)) != 0)
        {
            if (!state.TryRead(OptionalFieldsLength, MalformedReason.TunnelHeader, out var optional))
                return Layer.Done;
            if ((flags & ExtensionHeaderFlag) != 0 && !TrySkipExtensionHeaders(ref state, optional[NextExtensionTypeOffset]))
                return Layer.Done;
        }

        // The PDU type is not in the header: IP sessions carry IPv4 or IPv6, told by the version nibble; anything
        // else (an Ethernet or unstructured 5G PDU session, an empty G-PDU) is not followed.
        if (state.Available == 0)
            return state.OtherProtocolUnlessCut(1);
        return RawIp.IpVersionOf(state.Bytes(state.Offset, state.Offset + 1)[0]) switch
        {
            4 => state.EnterTunnel(Layer.Ipv4),
            6 => state.EnterTunnel(Layer.Ipv6),
            _ => Layer.OtherProtocol,
        };
    }

    private static bool TrySkipExtensionHeaders(ref DecodeState state, byte nextType)
    {
        for (int count = 0; nextType != NoMoreExtensionHeaders; count++)
        {
            if (count >= DecoderLimits.MaxGtpExtensionHeaders)
            {
                state.Malformed(MalformedReason.TunnelHeader);
                return false;
            }
            if (!state.TryPeek(1, MalformedReason.TunnelHeader, out var lengthByte))
                return false;
            int length = lengthByte[0] * ExtensionLengthUnit;
            if (length == 0)
            {
                state.Malformed(MalformedReason.TunnelHeader);
                return false;
            }
            if (!state.TryRead(length, MalformedReason.TunnelHeader, out var extension))
                return false;
            nextType = extension[^1];
        }
        return true;
    }
}
