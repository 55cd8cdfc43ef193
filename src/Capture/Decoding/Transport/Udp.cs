using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Transport;

/// <summary>
/// The UDP header (RFC 768), read only to find tunnels: the port dispatch table names the tunnel, and the UDP length
/// bounds it. UDP that is not a tunnel is another protocol.
/// </summary>
internal static class Udp
{
    public const int HeaderLength = 8;
    private const int SourcePortOffset = 0;
    private const int DestinationPortOffset = 2;
    private const int LengthOffset = 4;

    public const ushort GtpUserPort = 2152;
    public const ushort TeredoPort = 3544;
    public const ushort GreInUdpPort = 4754;
    public const ushort VxlanPort = 4789;
    public const ushort GenevePort = 6081;

    public static Layer Decode(ref DecodeState state)
    {
        int start = state.Offset;
        if (state.Available < HeaderLength)
            return state.OtherProtocolUnlessCut(HeaderLength);
        _ = state.TryRead(HeaderLength, MalformedReason.TunnelHeader, out var header); // cannot fail: checked above

        // The destination port names the service; the source port catches the reply direction of GTP-U and Teredo.
        var tunnel = TunnelOnPort(BinaryPrimitives.ReadUInt16BigEndian(header[DestinationPortOffset..]));
        if (tunnel == Layer.OtherProtocol)
            tunnel = TunnelOnPort(BinaryPrimitives.ReadUInt16BigEndian(header[SourcePortOffset..]));
        if (tunnel == Layer.OtherProtocol)
            return Layer.OtherProtocol;

        int length = BinaryPrimitives.ReadUInt16BigEndian(header[LengthOffset..]);
        if (length < HeaderLength)
            return state.Malformed(MalformedReason.TunnelHeader);
        return state.TryLimitRegion(start, length, MalformedReason.TunnelHeader) ? tunnel : Layer.Done;
    }

    private static Layer TunnelOnPort(ushort port) => port switch
    {
        VxlanPort => Layer.Vxlan,
        GenevePort => Layer.Geneve,
        GtpUserPort => Layer.GtpU,
        TeredoPort => Layer.Teredo,
        GreInUdpPort => Layer.Gre,
        _ => Layer.OtherProtocol,
    };
}
