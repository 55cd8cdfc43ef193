namespace TcpState.Capture.Decoding;

/// <summary>Side notes about a decoded frame, for the counters in <see cref="FrameAccounting"/> beyond the outcome.</summary>
[Flags]
internal enum DecodeNotes : byte
{
    None = 0,
    /// <summary>An IP fragment (first or later) was seen at some layer.</summary>
    IpFragment = 1,
    /// <summary>The snapshot length (not fragmentation) cut the TCP payload.</summary>
    TcpPayloadTruncatedBySnaplen = 2,
}
