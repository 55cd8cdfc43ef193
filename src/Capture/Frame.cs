namespace TcpState.Capture;

/// <summary>
/// One captured frame as a packet source hands it out. <see cref="Data"/> points into the source's
/// reusable buffer and is only valid until the next read: nothing is copied or allocated per frame.
/// </summary>
public readonly ref struct Frame
{
    public Frame(ReadOnlySpan<byte> data, int originalLength, PacketTime timestamp, LinkType linkType)
    {
        Data = data;
        OriginalLength = originalLength;
        Timestamp = timestamp;
        LinkType = linkType;
    }

    /// <summary>The captured bytes (at most the snapshot length).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The frame's length on the wire; larger than <c>Data.Length</c> when the snapshot length cut it.</summary>
    public int OriginalLength { get; }

    public PacketTime Timestamp { get; }

    public LinkType LinkType { get; }

    public bool IsTruncatedBySnaplen => Data.Length < OriginalLength;
}
