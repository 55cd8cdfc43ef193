using System.Globalization;

namespace TcpState.Fuzzing;

/// <summary>
/// tcpstate's mutation fuzzer. Modes:
/// <list type="bullet">
/// <item><c>quick [--seed S]</c>: the bounded, seeded CI pass (<see cref="FuzzBudget.Quick"/>).</item>
/// <item><c>long [--minutes N] [--files N] [--frames N] [--seed S]</c>: as long as asked.</item>
/// <item><c>repro --seed S (--iteration I | --batch B [--frames N]) [--out FILE]</c>: one input again, its findings, and the file.</item>
/// <item><c>minimise FILE [--out FILE] [--max-connections N] [--buffer-size N] [-C] [--no-tunnels] [--no-records] [--no-transitions] [--park-every-tick] [--write FORMAT] [--process]</c>:
/// shrink a failing input, run with the settings it failed with (a finding's note gives them).</item>
/// </list>
/// Exit 0 when nothing was found, 1 with findings (written to <c>--findings DIR</c>, default fuzz-findings/), 2 for bad usage.
/// </summary>
public static class Program
{
    /// <summary>The CI pass's seed: fixed, so that CI runs the same inputs every time and a failure reproduces.</summary>
    private const int QuickSeed = 7_2025;

    private const int DefaultFramesPerBatch = 10_000;

    public static int Main(string[] args)
    {
        if (args.Length == 0)
            return Usage();
        var options = Options.Parse(args[1..]);
        if (options is null)
            return Usage();
        try
        {
            return args[0] switch
            {
                "quick" => Fuzz(options.Seed ?? QuickSeed, FuzzBudget.Quick, options),
                "long" => Fuzz(options.Seed ?? Environment.TickCount & int.MaxValue, LongBudget(options), options),
                "repro" when options.Seed is not null && (options.Iteration is not null || options.Batch is not null) => Repro(options),
                "minimise" or "minimize" when options.Positional is not null => Minimise(options),
                _ => Usage(),
            };
        }
        catch (FileNotFoundException e)
        {
            Console.Error.WriteLine($"fuzz: {e.Message}");
            return 2;
        }
    }

    private static FuzzBudget LongBudget(Options options)
    {
        // Without counts, as the CI pass does: 100 files beside each batch of 10,000 frames, until the time is up.
        const long Unbounded = 1L << 40;
        var time = options.Minutes is { } minutes ? TimeSpan.FromMinutes(minutes) : TimeSpan.MaxValue;
        long batches = options.Frames is { } frames ? Math.Max(1, frames / DefaultFramesPerBatch)
            : options.Minutes is not null ? Unbounded : 1_000;
        long files = options.Files ?? (options.Minutes is not null ? batches * 100 : 100_000);
        return new FuzzBudget(files, batches, DefaultFramesPerBatch, 200, time);
    }

    private static int Fuzz(int seed, FuzzBudget budget, Options options)
    {
        var corpus = SeedCorpus.Load(Directories(options));
        if (corpus.Files.Count == 0 || corpus.Frames.Count == 0)
        {
            Console.Error.WriteLine("fuzz: no seed captures found");
            return 2;
        }
        if (!File.Exists(ProcessTarget.Executable))
        {
            Console.Error.WriteLine($"fuzz: {ProcessTarget.Executable} is missing; build the solution first");
            return 2;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}; {corpus.Files.Count} seed files, {corpus.Frames.Count:N0} distinct seed frames; budget {budget}"));
        var findings = new FindingStore(options.FindingsDirectory);
        var run = new FuzzRun(seed, corpus, findings);
        run.Execute(budget);
        foreach (var (finding, origin, path) in findings.Distinct)
            Console.WriteLine($"finding {finding.Signature}: {path} (repro --seed {origin.Seed} {(origin.Campaign == Campaign.Files ? "--iteration" : "--batch")} {origin.Iteration})");
        return findings.Total == 0 ? 0 : 1;
    }

    private static int Repro(Options options)
    {
        var corpus = SeedCorpus.Load(Directories(options));
        var run = new FuzzRun(options.Seed!.Value, corpus, new FindingStore(options.FindingsDirectory));
        byte[] input;
        PipelineSettings settings;
        var findings = new List<Finding>();
        if (options.Iteration is { } iteration)
        {
            (input, settings, var origin) = run.FileInput(iteration);
            Console.WriteLine($"iteration {iteration}: seed file {origin.SeedName}; mutations {string.Join(", ", origin.Mutations)}");
        }
        else
        {
            (input, settings, findings) = run.FrameBatchInput(options.Batch!.Value, options.Frames is { } f ? (int)f : DefaultFramesPerBatch);
            Console.WriteLine($"batch {options.Batch}: {findings.Count} finding(s) in the batch itself");
        }
        Console.WriteLine($"settings {settings}; {input.Length:N0} bytes");
        var result = PipelineTarget.Run(input, settings, findings);
        Console.WriteLine($"in process: {result}");
        if (findings.Count == 0 && settings == PipelineSettings.Default)
        {
            for (int variant = 0; variant < ProcessTarget.Variants; variant++)
                ProcessTarget.Run(input, Path.GetTempPath(), result.FramesRead, variant, findings);
            Console.WriteLine("tcpstate: ran every way");
        }
        foreach (var finding in findings)
            Console.WriteLine($"FINDING {finding.Signature}{Environment.NewLine}{finding.Detail}");
        string output = options.Output ?? Path.Combine(options.FindingsDirectory, $"repro-{options.Seed}-{options.Iteration ?? options.Batch}.pcap");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllBytes(output, input);
        Console.WriteLine($"input written to {output}");
        return findings.Count == 0 ? 0 : 1;
    }

    private static int Minimise(Options options)
    {
        var input = File.ReadAllBytes(options.Positional!);
        var settings = PipelineSettings.Default with
        {
            MaxConnections = options.MaxConnections ?? PipelineSettings.Default.MaxConnections,
            BufferSize = options.BufferSize ?? PipelineSettings.Default.BufferSize,
            VerifyChecksums = !options.NoChecksums,
            DecodeTunnels = !options.NoTunnels,
            BuildRecords = !options.NoRecords,
            Output = options.Write,
            KeepTransitions = !options.NoTransitions,
            ParkEveryTick = options.ParkEveryTick,
        };
        string? Signature(byte[] candidate)
        {
            var findings = new List<Finding>();
            var result = PipelineTarget.Run(candidate, settings, findings);
            for (int variant = 0; findings.Count == 0 && options.Process && variant < ProcessTarget.Variants; variant++)
                ProcessTarget.Run(candidate, Path.GetTempPath(), result.FramesRead, variant, findings);
            return findings.Count > 0 ? findings[0].Signature : null;
        }

        string? wanted = Signature(input);
        if (wanted is null)
        {
            Console.Error.WriteLine($"fuzz: {options.Positional} does not fail with settings {settings}{(options.Process ? "" : " (try --process)")}");
            return 2;
        }
        if (Gunzipped(input) is { } plain && Signature(plain) == wanted)
        {
            Console.WriteLine("the decompressed contents fail the same way: minimising those");
            input = plain;
        }
        Console.WriteLine($"minimising {input.Length:N0} bytes failing with {wanted}");
        var minimal = Minimiser.Minimise(input, candidate => Signature(candidate) == wanted, maxTests: 50_000, Console.WriteLine);
        string output = options.Output ?? Path.ChangeExtension(options.Positional!, ".min" + Path.GetExtension(options.Positional));
        File.WriteAllBytes(output, minimal);
        Console.WriteLine($"{minimal.Length:N0} bytes still failing with {wanted}: {output}");
        return 0;
    }

    private static byte[]? Gunzipped(byte[] input)
    {
        if (input.Length < 2 || input[0] != 0x1F || input[1] != 0x8B)
            return null;
        try
        {
            using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(input), System.IO.Compression.CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            return plain.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Directories(Options options) =>
        options.Corpus is null ? SeedCorpus.DefaultDirectories() : [options.Corpus];

    private static int Usage()
    {
        Console.Error.WriteLine("""
            usage: fuzz quick [--seed S] [--findings DIR] [--corpus DIR]
                   fuzz long [--minutes N] [--files N] [--frames N] [--seed S] [--findings DIR] [--corpus DIR]
                   fuzz repro --seed S (--iteration I | --batch B [--frames N]) [--out FILE]
                   fuzz minimise FILE [--out FILE] [--max-connections N] [--buffer-size N] [-C] [--no-tunnels] [--no-records]
                                 [--no-transitions] [--park-every-tick] [--write summary|table|json|zeek|csv] [--process]
            """);
        return 2;
    }

    private sealed class Options
    {
        public int? Seed;
        public long? Iteration, Batch, Files, Frames;
        public double? Minutes;
        public int? MaxConnections, BufferSize;
        public bool NoChecksums, NoTunnels, NoRecords, NoTransitions, ParkEveryTick, Process;
        public Cli.Output.OutputFormat? Write;
        public string? Output, Corpus, Positional;
        public string FindingsDirectory = "fuzz-findings";

        public static Options? Parse(string[] args)
        {
            var options = new Options();
            var c = CultureInfo.InvariantCulture;
            for (int i = 0; i < args.Length; i++)
            {
                string? Value() => i + 1 < args.Length ? args[++i] : null;
                switch (args[i])
                {
                    case "--seed" when int.TryParse(Value(), c, out int seed): options.Seed = seed; break;
                    case "--iteration" when long.TryParse(Value(), c, out long iteration): options.Iteration = iteration; break;
                    case "--batch" when long.TryParse(Value(), c, out long batch): options.Batch = batch; break;
                    case "--files" when long.TryParse(Value(), c, out long files): options.Files = files; break;
                    case "--frames" when long.TryParse(Value(), c, out long frames): options.Frames = frames; break;
                    case "--minutes" when double.TryParse(Value(), c, out double minutes): options.Minutes = minutes; break;
                    case "--max-connections" when int.TryParse(Value(), c, out int max): options.MaxConnections = max; break;
                    case "--buffer-size" when int.TryParse(Value(), c, out int size) && size >= 16: options.BufferSize = size; break;
                    case "-C": options.NoChecksums = true; break;
                    case "--no-tunnels": options.NoTunnels = true; break;
                    case "--no-records": options.NoRecords = true; break;
                    case "--no-transitions": options.NoTransitions = true; break;
                    case "--park-every-tick": options.ParkEveryTick = true; break;
                    case "--write" when Enum.TryParse<Cli.Output.OutputFormat>(Value(), ignoreCase: true, out var format): options.Write = format; break;
                    case "--process": options.Process = true; break;
                    case "--out": options.Output = Value(); if (options.Output is null) return null; break;
                    case "--corpus": options.Corpus = Value(); if (options.Corpus is null) return null; break;
                    case "--findings": options.FindingsDirectory = Value() ?? ""; if (options.FindingsDirectory.Length == 0) return null; break;
                    default:
                        if (args[i].StartsWith('-') || options.Positional is not null) return null;
                        options.Positional = args[i];
                        break;
                }
            }
            return options;
        }
    }
}
