using System.Diagnostics;
using System.Globalization;
using TcpState.Bench.Generator;

// The benchmark trace generator: deterministic by seed, streaming (memory follows the flows open at once, not the
// trace's size), traffic written to files only. Usage: see Usage below and bench/README.md.

const string Usage = """
    usage:
      realistic  --packets N [--concurrency C] [--seed S] -o FILE   the realistic mix (bench/README.md says what is in it)
      flood      --sources N [--rate SYNS_PER_S] [--answered SHARE] [--answer synack|rst] [--family ipv4|ipv6]
                 [--synack-retries R] [--seed S] -o FILE
                                                                   a pure spoofed SYN flood, N distinct sources, a share
                                                                   answered by SYN cookies or, rst, refused; with R, each
                                                                   SYN-ACK retransmitted R times (no cookies: 1, 3, 7 s...)
      concurrent --connections N [--rate PER_S] [--seed S] -o FILE  N connections opened and left open
    N may be written 5000000, 5m, 10M or 200k. A summary is printed, and written beside FILE as FILE.meta (key=value).
    """;

try
{
    return Run(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"generator: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

static int Run(string[] args)
{
    if (args.Length == 0 || args[0] is "-h" or "--help")
        throw new UsageException("a mode is required");
    if (args[0] is not ("realistic" or "flood" or "concurrent"))
        throw new UsageException($"unknown mode '{args[0]}'");
    var options = Options.Parse(args[1..]);
    string output = options.Text("-o") ?? throw new UsageException("-o FILE is required");
    ulong seed = (ulong)options.Number("--seed", 1);
    var clock = Stopwatch.StartNew();
    var summary = new TraceSummary(args[0], seed, output);

    string? directory = Path.GetDirectoryName(Path.GetFullPath(output));
    if (directory is not null) Directory.CreateDirectory(directory);
    var random = new SeededRandom(seed);
    using (var file = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20))
    using (var writer = new TraceWriter(file, random.Fork()))
    {
        switch (args[0])
        {
            case "realistic":
            {
                long packets = options.Number("--packets", 5_000_000);
                var engine = new TrafficEngine(writer, random, new TrafficMix())
                {
                    Policy = SpawnPolicy.Population,
                    Concurrency = (int)options.Number("--concurrency", 50_000),
                    UdpShare = TrafficMix.UdpShare,
                    // One percent of the packets are a spoofed SYN flood, 40% of the way in (none in tiny traces).
                    FloodAt = packets >= 20_000 ? 0.4 : null,
                    FloodSyns = packets / 100,
                    FloodSynsPerSecond = 20_000,
                };
                engine.Run(packets);
                summary.FromEngine(engine);
                break;
            }
            case "concurrent":
            {
                long connections = options.Number("--connections", 1_000_000);
                var engine = new TrafficEngine(writer, random, new TrafficMix())
                {
                    Policy = SpawnPolicy.FixedCount,
                    TotalFlows = connections,
                    FlowsPerSecond = options.Number("--rate", 20_000),
                };
                engine.Run(long.MaxValue);
                summary.FromEngine(engine);
                break;
            }
            case "flood":
            {
                long sources = options.Number("--sources", 10_000_000);
                double answered = options.Fraction("--answered", 0.25);
                bool refused = options.Text("--answer") switch
                {
                    null or "synack" => false,
                    "rst" => true,
                    var other => throw new UsageException($"--answer is synack or rst, got '{other}'"),
                };
                bool ipv6 = options.Text("--family") switch
                {
                    null or "ipv4" => false,
                    "ipv6" => true,
                    var other => throw new UsageException($"--family is ipv4 or ipv6, got '{other}'"),
                };
                long retries = options.Number("--synack-retries", 0);
                if (retries > FloodBurst.MaxSynAckRetries || (retries > 0 && refused))
                    throw new UsageException($"--synack-retries is 1 to {FloodBurst.MaxSynAckRetries}, with SYN-ACK answers");
                var flood = new FloodBurst(writer, random, sources, options.Number("--rate", 100_000), answered, refused,
                    ipv6, (int)retries);
                // One packet per step: the bound is the flood's own.
                long next = 0;
                for (long step = 0; step < flood.MaxSteps && next != FloodBurst.Finished; step++)
                    next = flood.Step(next);
                summary.FromFlood(flood, answered);
                break;
            }
            default:
                throw new UsageException($"unknown mode '{args[0]}'");
        }
        summary.FromWriter(writer);
    }
    summary.FileBytes = new FileInfo(output).Length;
    summary.GeneratedSeconds = clock.Elapsed.TotalSeconds;
    Console.Write(summary.Render());
    File.WriteAllText(output + ".meta", summary.RenderMeta());
    return 0;
}

internal sealed class UsageException(string message) : Exception(message);

/// <summary>"--name value" pairs; numbers take k/m suffixes (5m = 5,000,000).</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = [];

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith('-') || i + 1 >= args.Length)
                throw new UsageException($"expected '--option value', got '{args[i]}'");
            options._values[args[i]] = args[i + 1];
        }
        return options;
    }

    public string? Text(string name) => _values.GetValueOrDefault(name);

    public long Number(string name, long fallback)
    {
        if (!_values.TryGetValue(name, out var text))
            return fallback;
        long multiplier = 1;
        if (text.EndsWith('k') || text.EndsWith('K')) multiplier = 1_000;
        if (text.EndsWith('m') || text.EndsWith('M')) multiplier = 1_000_000;
        if (multiplier > 1) text = text[..^1];
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value <= 0)
            throw new UsageException($"{name} needs a positive whole number, got '{_values[name]}'");
        return value * multiplier;
    }

    public double Fraction(string name, double fallback)
    {
        if (!_values.TryGetValue(name, out var text))
            return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value is < 0 or > 1)
            throw new UsageException($"{name} needs a share between 0 and 1, got '{text}'");
        return value;
    }
}
