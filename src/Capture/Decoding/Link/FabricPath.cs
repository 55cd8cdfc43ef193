namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// Cisco FabricPath: a 16-byte outer header (switch addresses, EtherType 0x8903, forwarding tag and TTL) wraps the
/// classic Ethernet frame. The outer Ethernet decoder already consumed the first 14 bytes.
/// </summary>
internal static class FabricPath
{
    public const int OuterHeaderLength = 16;
    private const int RemainderAfterEtherType = OuterHeaderLength - Ethernet.HeaderLength;

    public static Layer Decode(ref DecodeState state) =>
        state.TrySkip(RemainderAfterEtherType, MalformedReason.LinkHeaderTooShort) ? Layer.Ethernet : Layer.Done;
}
