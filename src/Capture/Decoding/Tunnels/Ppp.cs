namespace TcpState.Capture.Decoding.Tunnels;

/// <summary>
/// A PPP frame as PPTP carries it in enhanced GRE: the address and control bytes 0xFF 0x03 unless compressed away
/// (RFC 1661 §6.6), then the protocol in one byte if compressed (RFC 1661 §6.5: a compressed protocol is odd) or two.
/// </summary>
internal static class Ppp
{
    private const byte AllStationsAddress = 0xFF;
    private const byte UnnumberedInformation = 0x03;
    private const int AddressAndControlLength = 2;

    private const ushort Ipv4Protocol = 0x0021;
    private const ushort Ipv6Protocol = 0x0057;

    public static Layer Decode(ref DecodeState state)
    {
        if (!state.TryPeek(AddressAndControlLength, MalformedReason.TunnelHeader, out var start))
            return Layer.Done;
        if (start[0] == AllStationsAddress && start[1] == UnnumberedInformation)
            state.Offset += AddressAndControlLength;

        if (!state.TryPeek(1, MalformedReason.TunnelHeader, out var first))
            return Layer.Done;
        ushort protocol;
        if ((first[0] & 1) != 0)
        {
            protocol = first[0];
            state.Offset += 1;
        }
        else
        {
            if (!state.TryRead(2, MalformedReason.TunnelHeader, out var both))
                return Layer.Done;
            protocol = (ushort)(both[0] << 8 | both[1]);
        }

        return protocol switch
        {
            Ipv4Protocol => Layer.Ipv4,
            Ipv6Protocol => Layer.Ipv6,
            _ => Layer.OtherProtocol,
        };
    }
}
