using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace TcpState.Analysis.Connections;

/// <summary>
/// Software prefetch. With tens of thousands of connections open, a segment's bucket, slot and detail are each a
/// cache miss; issuing the loads for a batch of segments before processing any of them lets the misses overlap
/// instead of being paid one after another. A prefetch is only a hint: it never faults, so a stale address (an array
/// the GC has since moved) costs nothing but a wasted load.
/// </summary>
internal static class MemoryHint
{
    public static unsafe void Prefetch<T>(ref T location)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(Unsafe.AsPointer(ref location));
    }

    /// <summary>Prefetches <paramref name="bytes"/> from <paramref name="location"/>, one load per 64-byte cache line.</summary>
    public static unsafe void Prefetch<T>(ref T location, int bytes)
    {
        if (!Sse.IsSupported)
            return;
        byte* start = (byte*)Unsafe.AsPointer(ref location);
        for (int offset = 0; offset < bytes; offset += 64)
            Sse.Prefetch0(start + offset);
    }
}
