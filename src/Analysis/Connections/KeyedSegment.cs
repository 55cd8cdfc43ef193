using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Connections;

/// <summary>
/// What the connection lookup needs of a segment before it touches the table: the canonical key, its hash, and which
/// side of the key sent the segment. It depends on the segment alone, so the read-ahead thread works it out and the
/// tracker, the slower of the two, does not (<see cref="ReadAhead"/>).
/// </summary>
public readonly struct KeyedSegment
{
    public readonly ConnectionKey Key;
    public readonly int Hash;
    public readonly Side Sender;

    private KeyedSegment(in ConnectionKey key, Side sender)
    {
        Key = key;
        Hash = key.GetHashCode();
        Sender = sender;
    }

    public static KeyedSegment Of(in TcpSegment segment)
    {
        var key = ConnectionKey.FromSegment(segment, out var sender);
        return new KeyedSegment(key, sender);
    }

    /// <summary>Fills <paramref name="keys"/> with the keys of <paramref name="segments"/>, one for one.</summary>
    public static void OfEach(ReadOnlySpan<TcpSegment> segments, Span<KeyedSegment> keys)
    {
        for (int i = 0; i < segments.Length; i++)
            keys[i] = Of(segments[i]);
    }
}
