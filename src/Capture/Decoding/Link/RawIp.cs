namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// A payload that is IPv4 or IPv6 with nothing saying which (LINKTYPE_RAW, MPLS, GTP-U, ERSPAN III): the first
/// nibble of an IP header is its version.
/// </summary>
internal static class RawIp
{
    public static Layer Decode(ref DecodeState state)
    {
        if (!state.TryPeek(1, MalformedReason.IpHeaderTooShort, out var first))
            return Layer.Done;
        return IpVersionOf(first[0]) switch
        {
            4 => Layer.Ipv4,
            6 => Layer.Ipv6,
            _ => state.Malformed(MalformedReason.IpVersionMismatch),
        };
    }

    public static int IpVersionOf(byte firstByte) => firstByte >> 4;
}
