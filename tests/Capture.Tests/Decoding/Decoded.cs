using TcpState.Capture.Decoding;

namespace TcpState.Capture.Tests.Decoding;

/// <summary>What one call to the decoder gave, as a plain value tests can assert on.</summary>
internal readonly record struct Decoded(DecodeOutcome Outcome, MalformedReason Reason, TcpSegment Segment)
{
    public static readonly PacketTime Timestamp = PacketTime.FromParts(1_700_000_000, 123_456_789);

    /// <summary>Decodes <paramref name="bytes"/>; a shorter <paramref name="capturedLength"/> simulates a snapshot-length cut.</summary>
    public static Decoded Of(
        byte[] bytes, LinkType linkType = LinkType.Ethernet, int? capturedLength = null, int? originalLength = null,
        DecoderOptions? options = null)
    {
        var data = bytes.AsSpan(0, capturedLength ?? bytes.Length);
        var frame = new Frame(data, originalLength ?? bytes.Length, Timestamp, linkType);
        var outcome = new FrameDecoder(options).Decode(frame, out var segment, out var reason);
        return new Decoded(outcome, reason, segment);
    }

    public string Source => Segment.Source.ToString();
    public string Destination => Segment.Destination.ToString();
}
