using System.Buffers.Binary;
using TcpState.Capture.Decoding.Ip;

namespace TcpState.Capture.Decoding.Tunnels;

/// <summary>
/// Teredo (RFC 4380 §5.1.1): IPv6 in UDP, optionally preceded by an authentication indicator and an origin
/// indication. Port 3544 also carries Teredo's own qualification traffic and, being a plain UDP port, anything else,
/// so the payload is only taken as a tunnel when it really is an IPv6 packet of exactly the UDP payload's length.
/// </summary>
internal static class Teredo
{
    private const ushort AuthenticationIndicatorType = 0x0001;
    private const ushort OriginIndicationType = 0x0000;
    private const int IndicatorTypeLength = 2;

    /// <summary>Type, client identifier length, authentication value length; then the two values, nonce and confirmation.</summary>
    private const int AuthenticationFixedLength = 4;
    private const int ClientIdLengthOffset = 2;
    private const int AuthenticationValueLengthOffset = 3;
    private const int NonceAndConfirmationLength = 9;

    /// <summary>Type, obfuscated origin port and address.</summary>
    public const int OriginIndicationLength = 8;

    private const int Ipv6PayloadLengthOffset = 4;

    public static Layer Decode(ref DecodeState state)
    {
        if (StartsWith(ref state, AuthenticationIndicatorType))
        {
            if (state.Available < AuthenticationFixedLength)
                return state.OtherProtocolUnlessCut(AuthenticationFixedLength);
            var fixedPart = state.Bytes(state.Offset, state.Offset + AuthenticationFixedLength);
            int length = AuthenticationFixedLength + fixedPart[ClientIdLengthOffset] +
                         fixedPart[AuthenticationValueLengthOffset] + NonceAndConfirmationLength;
            if (state.Available < length)
                return state.OtherProtocolUnlessCut(length);
            state.Offset += length;
        }
        if (StartsWith(ref state, OriginIndicationType))
        {
            if (state.Available < OriginIndicationLength)
                return state.OtherProtocolUnlessCut(OriginIndicationLength);
            state.Offset += OriginIndicationLength;
        }

        if (state.Available < Ipv6.HeaderLength)
            return state.OtherProtocolUnlessCut(Ipv6.HeaderLength);
        var ipv6 = state.Bytes(state.Offset, state.Offset + Ipv6.HeaderLength);
        if (ipv6[0] >> 4 != 6)
            return Layer.OtherProtocol;
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ipv6[Ipv6PayloadLengthOffset..]);
        if (state.WireEndKnown && state.Offset + Ipv6.HeaderLength + payloadLength != state.WireEnd)
            return Layer.OtherProtocol;
        return state.EnterTunnel(Layer.Ipv6);
    }

    private static bool StartsWith(ref DecodeState state, ushort indicatorType) =>
        state.Available >= IndicatorTypeLength &&
        BinaryPrimitives.ReadUInt16BigEndian(state.Bytes(state.Offset, state.Offset + IndicatorTypeLength)) == indicatorType;
}
