using TcpState.Capture.Decoding.Link;

namespace TcpState.Capture.Decoding.Tunnels;

/// <summary>
/// ERSPAN, Cisco's remote port mirroring over GRE (draft-foschiano-erspan): type II has an 8-byte header, type III a
/// 12-byte one plus an optional 8-byte platform-specific subheader; the mirrored frame follows.
/// </summary>
internal static class Erspan
{
    public const int TypeIIHeaderLength = 8;
    private const int VersionOffset = 0;
    private const int TypeIIVersion = 1;

    public const int TypeIIIHeaderLength = 12;
    private const int TypeIIIVersion = 2;
    private const int FrameTypeOffset = 10;
    private const int OptionalSubheaderFlagOffset = 11;
    private const byte OptionalSubheaderFlag = 0x01;
    public const int PlatformSubheaderLength = 8;
    private const int FrameTypeEthernet = 0;
    private const int FrameTypeIp = 2;

    public static Layer DecodeTypeII(ref DecodeState state)
    {
        if (!state.TryRead(TypeIIHeaderLength, MalformedReason.TunnelHeader, out var header))
            return Layer.Done;
        return header[VersionOffset] >> 4 == TypeIIVersion
            ? Layer.Ethernet
            : state.Malformed(MalformedReason.TunnelHeader);
    }

    public static Layer DecodeTypeIII(ref DecodeState state)
    {
        if (!state.TryRead(TypeIIIHeaderLength, MalformedReason.TunnelHeader, out var header))
            return Layer.Done;
        if (header[VersionOffset] >> 4 != TypeIIIVersion)
            return state.Malformed(MalformedReason.TunnelHeader);
        if ((header[OptionalSubheaderFlagOffset] & OptionalSubheaderFlag) != 0 &&
            !state.TrySkip(PlatformSubheaderLength, MalformedReason.TunnelHeader))
            return Layer.Done;

        return (header[FrameTypeOffset] >> 2 & 0x1F) switch
        {
            FrameTypeEthernet => Layer.Ethernet,
            FrameTypeIp => Layer.RawIp,
            _ => Layer.OtherProtocol,
        };
    }
}
