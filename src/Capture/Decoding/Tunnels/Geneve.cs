using System.Buffers.Binary;
using TcpState.Capture.Decoding.Link;

namespace TcpState.Capture.Decoding.Tunnels;

/// <summary>
/// Geneve (RFC 8926 §3.4): version and options length (in 4-byte units), flags, an EtherType for the payload, the
/// 24-bit VNI, then the options.
/// </summary>
internal static class Geneve
{
    public const int FixedHeaderLength = 8;
    private const int VersionAndOptionsLengthOffset = 0;
    private const int ProtocolTypeOffset = 2;
    private const int OptionsLengthMask = 0x3F;
    private const int OptionsLengthUnit = 4;
    private const int SupportedVersion = 0;

    public static Layer Decode(ref DecodeState state)
    {
        if (!state.TryRead(FixedHeaderLength, MalformedReason.TunnelHeader, out var header))
            return Layer.Done;
        byte versionAndOptionsLength = header[VersionAndOptionsLengthOffset];
        if (versionAndOptionsLength >> 6 != SupportedVersion)
            return state.Malformed(MalformedReason.TunnelHeader);
        if (!state.TrySkip((versionAndOptionsLength & OptionsLengthMask) * OptionsLengthUnit, MalformedReason.TunnelHeader))
            return Layer.Done;

        var next = EtherType.Next(BinaryPrimitives.ReadUInt16BigEndian(header[ProtocolTypeOffset..]));
        return next is Layer.Ethernet or Layer.Ipv4 or Layer.Ipv6
            ? state.EnterTunnel(next)
            : Layer.OtherProtocol;
    }
}
