namespace TcpState.Analysis;

/// <summary>
/// Comparisons in the 32-bit sequence space, which wraps (RFC 9293 §3.4): "a is before b" means the
/// signed distance from a to b is positive, so comparisons stay right across the wrap.
/// </summary>
public static class SequenceNumbers
{
    /// <summary>Signed distance from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static int Delta(uint to, uint from) => unchecked((int)(to - from));

    public static bool IsBefore(uint a, uint b) => Delta(b, a) > 0;

    public static bool IsAfter(uint a, uint b) => Delta(a, b) > 0;

    public static bool IsAtOrAfter(uint a, uint b) => Delta(a, b) >= 0;

    /// <summary>True when <paramref name="value"/> lies in [start, start + length).</summary>
    public static bool InWindow(uint value, uint start, ulong length) =>
        Delta(value, start) >= 0 && (ulong)(uint)Delta(value, start) < length;

    public static uint Max(uint a, uint b) => IsAfter(a, b) ? a : b;
}
