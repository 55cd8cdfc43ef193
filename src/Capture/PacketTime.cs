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
    public string ToZeekString()
    {
        Span<byte> text = stackalloc byte[MaxZeekLength];
        return System.Text.Encoding.ASCII.GetString(text[..FormatZeek(text)]);
    }

    /// <summary>Bytes <see cref="FormatZeek"/> may write.</summary>
    public const int MaxZeekLength = 32;

    /// <summary>
    /// Writes <see cref="ToZeekString"/> as UTF-8 into <paramref name="destination"/> (<see cref="MaxZeekLength"/>
    /// bytes) and returns the count. JSON output writes several per connection, and a string each was most of its cost.
    /// </summary>
    public int FormatZeek(Span<byte> destination)
    {
        // Zeek's value is the microseconds as a double, to 6 places. Up to 4e9 s (the year 2096) the double is within
        // 0.5 µs of the exact value, so splitting the integer gives the same digits; later times take the double's.
        long microseconds = UnixNanoseconds / 1000;
        if (microseconds is < 0 or >= 4_000_000_000_000_000)
        {
            (microseconds / 1_000_000.0).TryFormat(destination, out int formatted, "F6", CultureInfo.InvariantCulture);
            return formatted;
        }
        (microseconds / 1_000_000).TryFormat(destination, out int written, default, CultureInfo.InvariantCulture);
        destination[written++] = (byte)'.';
        // Six digits by hand: a format string ("D6") takes the runtime's slow formatting path.
        int fraction = (int)(microseconds % 1_000_000);
        for (int digit = written + 5; digit >= written; digit--, fraction /= 10)
            destination[digit] = (byte)('0' + fraction % 10);
        return written + 6;
    }

    public override string ToString() =>
        DateTimeOffset.FromUnixTimeMilliseconds(UnixNanoseconds / 1_000_000).UtcDateTime
            .AddTicks(UnixNanoseconds % 1_000_000 / 100)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
