namespace TcpState.Fuzzing;

/// <summary>The independent streams of work a run is made of; each has its own numbering of iterations.</summary>
internal enum Campaign
{
    /// <summary>One mutated capture file per iteration, through the whole pipeline.</summary>
    Files = 1,
    /// <summary>One batch of mutated single frames per iteration, through the decoder and one tracker.</summary>
    FrameBatches = 2,
}

/// <summary>
/// Every iteration draws from its own <see cref="Random"/>, seeded from (run seed, campaign, iteration) alone, so an
/// iteration reproduces without replaying the ones before it and parallel runs find the same things in any order.
/// </summary>
internal static class Iterations
{
    public static Random RandomFor(int seed, Campaign campaign, long iteration) =>
        new(Mix((ulong)(uint)seed, (ulong)campaign, (ulong)iteration));

    // SplitMix64 finaliser over the three inputs: nearby iterations get unrelated seeds.
    private static int Mix(ulong seed, ulong campaign, ulong iteration)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL ^ campaign * 0xBF58476D1CE4E5B9UL ^ iteration * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }
}
