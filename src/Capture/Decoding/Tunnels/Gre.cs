using System.Buffers.Binary;
using TcpState.Capture.Decoding.Link;

namespace TcpState.Capture.Decoding.Tunnels;

/// <summary>
/// Generic Routing Encapsulation: version 0 (RFC 2784 with RFC 2890's key and sequence number) whose protocol type is
/// an EtherType, and version 1, the enhanced GRE of PPTP (RFC 2637 §4.1), which carries PPP. Also reached from UDP
/// port 4754 (GRE-in-UDP, RFC 8086 §3), where the same header follows the UDP header.
/// </summary>
internal static class Gre
{
    public const int BaseHeaderLength = 4;
    private const int FlagsOffset = 0;
    private const int ProtocolTypeOffset = 2;
    private const int OptionalFieldLength = 4;
    private const int EnhancedPayloadLengthOffset = 0;

    private const ushort ChecksumPresent = 0x8000;
    private const ushort RoutingPresent = 0x4000;
    private const ushort KeyPresent = 0x2000;
    private const ushort SequencePresent = 0x1000;
    private const ushort StrictSourceRoute = 0x0800;
    private const ushort RecursionControl = 0x0700;
    private const ushort AcknowledgmentPresent = 0x0080;
    private const ushort VersionMask = 0x0007;

    /// <summary>
    /// RFC 2784 §2.3: a receiver that does not implement RFC 1701 discards packets with any of bits 1-5 set; bits 2
    /// and 3 are RFC 2890's key and sequence flags, which are understood here, leaving routing, strict source route and
    /// the top recursion bit.
    /// </summary>
    private const ushort Version0MustBeZero = RoutingPresent | StrictSourceRoute | 0x0400;

    /// <summary>RFC 2637 §4.1: enhanced GRE sets no checksum, routing, strict source route or recursion, and always a key.</summary>
    private const ushort Version1MustBeZero = ChecksumPresent | RoutingPresent | StrictSourceRoute | RecursionControl;

    public static Layer Decode(ref DecodeState state)
    {
        if (!state.TryRead(BaseHeaderLength, MalformedReason.TunnelHeader, out var header))
            return Layer.Done;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(header[FlagsOffset..]);
        ushort protocolType = BinaryPrimitives.ReadUInt16BigEndian(header[ProtocolTypeOffset..]);

        return (flags & VersionMask) switch
        {
            0 => DecodeVersion0(ref state, flags, protocolType),
            1 => DecodeEnhanced(ref state, flags, protocolType),
            _ => state.Malformed(MalformedReason.TunnelHeader),
        };
    }

    private static Layer DecodeVersion0(ref DecodeState state, ushort flags, ushort protocolType)
    {
        if ((flags & Version0MustBeZero) != 0)
            return state.Malformed(MalformedReason.TunnelHeader);
        int optionalLength = OptionalLengthIf(flags, ChecksumPresent) + OptionalLengthIf(flags, KeyPresent) +
                             OptionalLengthIf(flags, SequencePresent);
        if (!state.TrySkip(optionalLength, MalformedReason.TunnelHeader))
            return Layer.Done;

        // ERSPAN type I has no header of its own and no sequence number; type II always sets the sequence flag.
        var next = protocolType == EtherType.ErspanTypeII && (flags & SequencePresent) == 0
            ? Layer.Ethernet
            : EtherType.Next(protocolType);
        return state.EnterTunnel(next);
    }

    private static Layer DecodeEnhanced(ref DecodeState state, ushort flags, ushort protocolType)
    {
        if ((flags & Version1MustBeZero) != 0 || (flags & KeyPresent) == 0 || protocolType != EtherType.Ppp)
            return state.Malformed(MalformedReason.TunnelHeader);
        // The key field holds the payload length and the call id.
        if (!state.TryRead(OptionalFieldLength, MalformedReason.TunnelHeader, out var key))
            return Layer.Done;
        int optionalLength = OptionalLengthIf(flags, SequencePresent) + OptionalLengthIf(flags, AcknowledgmentPresent);
        if (!state.TrySkip(optionalLength, MalformedReason.TunnelHeader))
            return Layer.Done;

        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(key[EnhancedPayloadLengthOffset..]);
        if (payloadLength == 0)
            return Layer.OtherProtocol; // an acknowledgment alone
        if (!state.TryLimitRegion(state.Offset, payloadLength, MalformedReason.TunnelHeader))
            return Layer.Done;
        return state.EnterTunnel(Layer.Ppp);
    }

    private static int OptionalLengthIf(ushort flags, ushort flag) => (flags & flag) != 0 ? OptionalFieldLength : 0;
}
