using System.Globalization;

namespace TcpState.Capture;

/// <summary>
/// A packet timestamp: nanoseconds since the Unix epoch. Every timer in tcpstate runs on this clock,
/// never on the wall clock, so a file and the same traffic seen live give the same answer.
/// </summary>
public readonly record struct PacketTime(long UnixNanoseconds) : IComparable<PacketTime>
{
    public const long NanosecondsPerSecond = 1_000_000_000;

    public static PacketTime Zero => default;

    public static PacketTime FromSeconds(double seconds) => new((long)Math.Round(seconds * NanosecondsPerSecond));

    public static PacketTime FromParts(long seconds, long nanoseconds) => new(seconds * NanosecondsPerSecond + nanoseconds);

    public double Seconds => UnixNanoseconds / (double)NanosecondsPerSecond;

    public PacketTime AddSeconds(double seconds) => new(UnixNanoseconds + (long)Math.Round(seconds * NanosecondsPerSecond));

    public PacketTime AddNanoseconds(long nanoseconds) => new(UnixNanoseconds + nanoseconds);

    /// <summary>Seconds elapsed from <paramref name="earlier"/> to this time (negative if this is earlier).</summary>
    public double SecondsSince(PacketTime earlier) => (UnixNanoseconds - earlier.UnixNanoseconds) / (double)NanosecondsPerSecond;

    public int CompareTo(PacketTime other) => UnixNanoseconds.CompareTo(other.UnixNanoseconds);

    public static bool operator <(PacketTime a, PacketTime b) => a.UnixNanoseconds < b.UnixNanoseconds;
    public static bool operator >(PacketTime a, PacketTime b) => a.UnixNanoseconds > b.UnixNanoseconds;
    public static bool operator <=(PacketTime a, PacketTime b) => a.UnixNanoseconds <= b.UnixNanoseconds;
    public static bool operator >=(PacketTime a, PacketTime b) => a.UnixNanoseconds >= b.UnixNanoseconds;

    public static PacketTime Max(PacketTime a, PacketTime b) => a >= b ? a : b;

    /// <summary>Seconds since the epoch with microsecond precision, as Zeek writes <c>ts</c>.</summary>
    public string ToZeekString() =>
        (UnixNanoseconds / 1000 / 1_000_000.0).ToString("F6", CultureInfo.InvariantCulture);

    public override string ToString() =>
        DateTimeOffset.FromUnixTimeMilliseconds(UnixNanoseconds / 1_000_000).UtcDateTime
            .AddTicks(UnixNanoseconds % 1_000_000 / 100)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
