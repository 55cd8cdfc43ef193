namespace TcpState.Capture.Decoding;

/// <summary>Settings for <see cref="FrameDecoder"/>.</summary>
public sealed record DecoderOptions
{
    /// <summary>Verify TCP checksums (on by default for files, like Zeek; -C turns it off).</summary>
    public bool VerifyChecksums { get; init; } = true;

    /// <summary>Look inside tunnels (GRE, VXLAN, Geneve, GTP-U, Teredo, IP-in-IP).</summary>
    public bool DecodeTunnels { get; init; } = true;
}

/// <summary>
/// Walks a frame from its link-layer header down to TCP without copying or allocating, one small decoder per
/// layer, and says what the frame was. (Stub: the implementation lands with the decoder work.)
/// </summary>
public sealed class FrameDecoder
{
    public FrameDecoder(DecoderOptions? options = null)
    {
        Options = options ?? new DecoderOptions();
    }

    public DecoderOptions Options { get; }

    /// <summary>
    /// Decodes one frame. On <see cref="DecodeOutcome.Tcp"/>, <paramref name="segment"/> is filled in (its
    /// <see cref="TcpSegment.Timestamp"/> is the frame's). On <see cref="DecodeOutcome.Malformed"/>,
    /// <paramref name="reason"/> says which header was impossible.
    /// </summary>
    public DecodeOutcome Decode(in Frame frame, out TcpSegment segment, out MalformedReason reason)
    {
        throw new NotImplementedException();
    }

    /// <summary>Decodes one frame and counts its outcome (and side notes such as fragments and bad checksums).</summary>
    public DecodeOutcome Decode(in Frame frame, FrameAccounting accounting, out TcpSegment segment)
    {
        var outcome = Decode(frame, out segment, out var reason);
        accounting.Count(outcome, reason);
        return outcome;
    }
}
