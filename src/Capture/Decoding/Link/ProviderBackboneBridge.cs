namespace TcpState.Capture.Decoding.Link;

/// <summary>
/// Provider Backbone Bridging (802.1ah, MAC-in-MAC): after the backbone header's EtherType 0x88E7 comes the 4-byte
/// I-TAG (priority, flags, 24-bit service id), then the customer's complete Ethernet header.
/// </summary>
internal static class ProviderBackboneBridge
{
    public const int ServiceTagLength = 4;

    public static Layer Decode(ref DecodeState state) =>
        state.TrySkip(ServiceTagLength, MalformedReason.LinkHeaderTooShort) ? Layer.Ethernet : Layer.Done;
}
