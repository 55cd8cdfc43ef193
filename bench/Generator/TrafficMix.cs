namespace TcpState.Bench.Generator;

/// <summary>
/// The realistic mix, in one place: what share of connections does what, how far away clients are, how big requests
/// and responses are, how long clients think between requests. Tuned so that about 50,000 connections are open at once
/// and a 5M-packet trace spans about five minutes of packet time, long enough for TIME_WAIT (60 s) and the detectors'
/// windows to run their course many times over.
/// </summary>
public sealed class TrafficMix
{
    public const double Ipv6Share = 0.10;
    public const double VlanShare = 0.05;
    /// <summary>Share of all packets that are UDP (DNS), which the analyzer must skip.</summary>
    public const double UdpShare = 0.05;
    /// <summary>Flows with many exchanges and long idle gaps (pools, APIs, websockets).</summary>
    public const double LongLivedShare = 0.10;

    private static readonly (FlowKind Kind, double Share)[] Kinds =
    [
        (FlowKind.Complete, 0.72),
        (FlowKind.Refused, 0.07),
        (FlowKind.HalfOpen, 0.04),
        (FlowKind.Unanswered, 0.02),
        (FlowKind.Reset, 0.10),
        (FlowKind.CloseWaitLinger, 0.05),
    ];

    private static readonly (CloseStyle Style, double Share)[] CloseStyles =
    [
        (CloseStyle.ClientFirst, 0.45),
        (CloseStyle.ServerFirst, 0.35),
        (CloseStyle.ThreeWay, 0.15),
        (CloseStyle.Simultaneous, 0.05),
    ];

    private const long Microsecond = 1_000;
    private const long Millisecond = 1_000_000;
    private const long Second = 1_000_000_000;

    /// <summary>Idle gaps stay under the analyzer's 300 s idle timeout, as a keep-alive connection's would.</summary>
    private const long MaxThinkNs = 240 * Second;

    /// <summary>
    /// Clients idle between requests for tens of seconds (browsers and pools keep connections open for minutes), so
    /// most open connections are quiet at any moment: about a third of a packet per second each.
    /// </summary>
    public double ShortThinkMeanSeconds { get; init; } = 50.0;
    public double LongThinkMeanSeconds { get; init; } = 14.0;

    public FlowKind Kind(SeededRandom random) => Pick(random, Kinds);

    public CloseStyle Close(SeededRandom random) => Pick(random, CloseStyles);

    /// <summary>Round-trip time from the capture point to the client: same data centre, same region, or far away.</summary>
    public static long RoundTrip(SeededRandom random)
    {
        double u = random.NextDouble();
        double ms = u < 0.3 ? random.LogUniform(0.1, 1) : u < 0.8 ? random.LogUniform(5, 40) : random.LogUniform(60, 250);
        return (long)(ms * Millisecond);
    }

    public static int Exchanges(SeededRandom random, bool longLived)
    {
        if (longLived)
            return (int)random.LogUniform(10, 60);
        int exchanges = 1;
        while (exchanges < 30 && random.Chance(0.6))
            exchanges++;
        return exchanges;
    }

    public long ThinkMean(bool longLived) =>
        (long)((longLived ? LongThinkMeanSeconds : ShortThinkMeanSeconds) * Second);

    public static long Think(SeededRandom random, long meanNs) => Math.Min(MaxThinkNs, (long)random.Exponential(meanNs));

    public static int RequestSize(SeededRandom random, int segmentSize) => Math.Min(segmentSize, (int)random.LogUniform(80, 1200));

    /// <summary>Most responses are small; a few are bulk transfers (the heavy tail that makes most of the bytes).</summary>
    public static int ResponseSize(SeededRandom random, bool longLived)
    {
        double u = random.NextDouble();
        if (longLived)
            return (int)(u < 0.9 ? random.LogUniform(100, 2_000) : random.LogUniform(2_000, 32_000));
        return (int)(u < 0.80 ? random.LogUniform(200, 4_000)
            : u < 0.98 ? random.LogUniform(4_000, 32_000)
            : random.LogUniform(32_000, 256_000));
    }

    /// <summary>The server application's time to produce a response.</summary>
    public static long ServerProcessing(SeededRandom random) => (long)(random.LogUniform(30, 20_000) * Microsecond);

    /// <summary>A kernel answering at once (SYN-ACK, ACK, RST): tens of microseconds.</summary>
    public static long KernelTurnaround(SeededRandom random) => (long)(random.LogUniform(10, 80) * Microsecond);

    /// <summary>An application closing its socket after it saw the peer's FIN.</summary>
    public static long ApplicationClose(SeededRandom random) => (long)(random.LogUniform(50, 20_000) * Microsecond);

    /// <summary>Time a frame of <paramref name="bytes"/> takes on a 1 Gbit/s link (preamble and gap included).</summary>
    public static long Serialization(int bytes) => (bytes + 20 + 66) * 8;

    private static T Pick<T>(SeededRandom random, (T Value, double Share)[] table)
    {
        double u = random.NextDouble();
        foreach (var (value, share) in table)
        {
            if (u < share) return value;
            u -= share;
        }
        return table[0].Value;
    }
}
