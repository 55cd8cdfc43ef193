namespace TcpState.Capture.Files;

/// <summary>
/// Turns a pcapng timestamp (a 64-bit count of interface time units) into nanoseconds, per the interface's
/// <c>if_tsresol</c>: high bit clear, the unit is 10^-n seconds; high bit set, 2^-n seconds; absent, microseconds.
/// Decimal units convert exactly (finer than a nanosecond: truncated); binary units convert exactly to the
/// nanosecond below, through a 128-bit product so that no resolution up to 2^-127 overflows.
/// </summary>
internal readonly struct PcapNgTimestampResolution
{
    private enum Scaling : byte { Multiply, Divide, Binary }

    private readonly Scaling _scaling;
    private readonly ulong _factor;
    private readonly int _shift;

    private PcapNgTimestampResolution(Scaling scaling, ulong factor, int shift)
    {
        _scaling = scaling;
        _factor = factor;
        _shift = shift;
    }

    public static PcapNgTimestampResolution Microseconds => FromOption(6);

    /// <summary>The raw <c>if_tsresol</c> byte, as written in the interface description block.</summary>
    public static PcapNgTimestampResolution FromOption(byte tsresol)
    {
        int exponent = tsresol & 0x7F;
        if ((tsresol & 0x80) != 0)
            return new PcapNgTimestampResolution(Scaling.Binary, 0, exponent);
        if (exponent <= 9)
            return new PcapNgTimestampResolution(Scaling.Multiply, PowerOfTen(9 - exponent), 0);
        // 10^19 is the largest power of ten in a ulong; any finer unit makes every 64-bit count less than 1 ns.
        return exponent - 9 <= 19
            ? new PcapNgTimestampResolution(Scaling.Divide, PowerOfTen(exponent - 9), 0)
            : new PcapNgTimestampResolution(Scaling.Divide, 0, 0);
    }

    /// <summary>Nanoseconds in <paramref name="units"/>; wraps (without throwing) only for times past the year 2262.</summary>
    public long ToNanoseconds(ulong units) => _scaling switch
    {
        Scaling.Multiply => unchecked((long)(units * _factor)),
        Scaling.Divide => _factor == 0 ? 0 : (long)(units / _factor),
        _ => unchecked((long)(ulong)(((UInt128)units * PacketTime.NanosecondsPerSecond) >> _shift)),
    };

    private static ulong PowerOfTen(int exponent)
    {
        ulong value = 1;
        for (int i = 0; i < exponent; i++)
            value *= 10;
        return value;
    }
}
