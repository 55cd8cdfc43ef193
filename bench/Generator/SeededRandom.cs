namespace TcpState.Bench.Generator;

/// <summary>
/// A small, fast, seeded pseudo-random source (the SplitMix64 sequence). Our own rather than <see cref="Random"/>, so a
/// seed gives the same trace on every runtime version: the traces are benchmark inputs and must not drift.
/// </summary>
public sealed class SeededRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>), by the multiply-high reduction (no modulo bias worth noticing).</summary>
    public int Next(int maxExclusive) => (int)(((ulong)NextUInt32() * (ulong)maxExclusive) >> 32);

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    public int Between(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>Exponentially distributed with the given mean: the gaps of a Poisson process.</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    /// <summary>Log-uniform in [<paramref name="min"/>, <paramref name="max"/>]: as many values per decade, as sizes and RTTs are.</summary>
    public double LogUniform(double min, double max) => min * Math.Exp(NextDouble() * Math.Log(max / min));

    /// <summary>A new generator whose sequence is independent of this one's continuation (for one stream per purpose).</summary>
    public SeededRandom Fork() => new(NextUInt64());
}
