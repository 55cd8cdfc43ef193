namespace TcpState.Capture.Decoding.Tunnels;

/// <summary>VXLAN (RFC 7348 §5): an 8-byte header with the I flag and a 24-bit network identifier, then an Ethernet frame.</summary>
internal static class Vxlan
{
    public const int HeaderLength = 8;
    private const int FlagsOffset = 0;
    /// <summary>RFC 7348 §5: the I flag MUST be set for a valid VNI.</summary>
    private const byte ValidVniFlag = 0x08;

    public static Layer Decode(ref DecodeState state)
    {
        if (!state.TryRead(HeaderLength, MalformedReason.TunnelHeader, out var header))
            return Layer.Done;
        if ((header[FlagsOffset] & ValidVniFlag) == 0)
            return state.Malformed(MalformedReason.TunnelHeader);
        return state.EnterTunnel(Layer.Ethernet);
    }
}
