using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace TcpState.Fuzzing;

/// <summary>How much one run does: iterations of each campaign, how often the real executable runs, and a time budget.</summary>
internal sealed record FuzzBudget(long Files, long FrameBatches, int FramesPerBatch, int ProcessEvery, TimeSpan Time)
{
    /// <summary>
    /// The CI pass: 12,000 files and 120 batches of 10,000 frames (1.2 million frames before counting the frames inside
    /// the files), the real executable on every 40th file. A few minutes on two cores; the time is a budget, not a test.
    /// </summary>
    public static FuzzBudget Quick { get; } = new(12_000, 120, 10_000, 40, TimeSpan.FromMinutes(8));
}

/// <summary>
/// Runs the campaigns in parallel, every iteration from its own seeded random, and keeps the figures: files, frames,
/// segments, connections, executable runs, findings, and how often each mutation kind was applied.
/// </summary>
internal sealed class FuzzRun
{
    private readonly int _seed;
    private readonly SeedCorpus _corpus;
    private readonly FindingStore _findings;
    private readonly MutationCounts _mutations = new();
    private readonly FrameMutator _frameMutator;
    private readonly FileMutator _fileMutator;
    private readonly string _workDirectory;
    private readonly ConcurrentBag<(TimeSpan Elapsed, long Iteration, long Bytes)> _slowest = [];
    private long _files, _fileFrames, _fileBytes, _batchFrames, _tcpFrames, _connections, _anomalies, _processRuns, _unopenable;
    private (long Allocated, long InputLength, long Iteration) _mostAllocated;
    private readonly Lock _mostAllocatedLock = new();
    private long _mostAllocatedByBatch;
    private int _processEvery = 1;

    public FuzzRun(int seed, SeedCorpus corpus, FindingStore findings)
    {
        _seed = seed;
        _corpus = corpus;
        _findings = findings;
        _frameMutator = new FrameMutator(corpus.Frames, _mutations);
        _fileMutator = new FileMutator(_frameMutator, _mutations);
        _workDirectory = Path.Combine(Path.GetTempPath(), $"tcpstate-fuzz-{Environment.ProcessId}");
    }

    public long Files => Interlocked.Read(ref _files);
    public long Frames => Interlocked.Read(ref _fileFrames) + Interlocked.Read(ref _batchFrames);

    /// <summary>Regenerates a file iteration's input exactly as the run made it.</summary>
    public (byte[] Input, PipelineSettings Settings, FindingOrigin Origin) FileInput(long iteration)
    {
        var random = Iterations.RandomFor(_seed, Campaign.Files, iteration);
        var seed = _corpus.Files[random.Next(_corpus.Files.Count)];
        var donor = _corpus.Files[random.Next(_corpus.Files.Count)];
        var mutations = new List<string>();
        var input = _fileMutator.Mutate(random, seed.Bytes, donor.Bytes, mutations);
        var settings = PipelineSettings.Draw(random);
        return (input, settings, new FindingOrigin(_seed, Campaign.Files, iteration, seed.Name, mutations));
    }

    /// <summary>Replays a frame batch, keeping its frames, and returns them as a pcapng file with the batch's settings.</summary>
    public (byte[] File, PipelineSettings Settings, List<Finding> Findings) FrameBatchInput(long batch, int framesPerBatch)
    {
        var random = Iterations.RandomFor(_seed, Campaign.FrameBatches, batch);
        var kept = new List<(MutableFrame, long)>();
        var findings = new List<Finding>();
        var result = FrameBatchTarget.Run(random, framesPerBatch, _corpus.Frames, _frameMutator, findings, kept);
        return (FrameFile.Write(kept), result.Settings, findings);
    }

    public void Execute(FuzzBudget budget)
    {
        _processEvery = budget.ProcessEvery;
        var clock = Stopwatch.StartNew();
        using var progress = new Timer(_ => Report(clock.Elapsed, final: false), null, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15));
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };

        // Interleave the campaigns so that a time budget cut short still leaves both exercised.
        long rounds = Math.Max(budget.FrameBatches, 1);
        long filesPerRound = (budget.Files + rounds - 1) / rounds;
        for (long round = 0; round < rounds && clock.Elapsed < budget.Time; round++)
        {
            long batch = round;
            long firstFile = round * filesPerRound, lastFile = Math.Min(budget.Files, firstFile + filesPerRound);
            var work = new List<Action>();
            if (batch < budget.FrameBatches)
                work.Add(() => RunFrameBatch(batch, budget.FramesPerBatch));
            for (long file = firstFile; file < lastFile; file++)
            {
                long iteration = file;
                work.Add(() => RunFile(iteration, budget.ProcessEvery > 0 && iteration % budget.ProcessEvery == 0));
            }
            Parallel.ForEach(work, options, action => action());
        }
        Report(clock.Elapsed, final: true);
        try { Directory.Delete(_workDirectory, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private void RunFile(long iteration, bool alsoAsProcess)
    {
        var (input, settings, origin) = FileInput(iteration);
        if (alsoAsProcess) settings = PipelineSettings.Default;
        var findings = new List<Finding>();
        var timer = Stopwatch.StartNew();
        var result = PipelineTarget.Run(input, settings, findings);
        timer.Stop();
        if (alsoAsProcess && findings.Count == 0)
        {
            ProcessTarget.Run(input, _workDirectory, result.FramesRead, (int)(iteration / Math.Max(1, _processEvery)), findings);
            Interlocked.Increment(ref _processRuns);
        }
        Interlocked.Increment(ref _files);
        Interlocked.Add(ref _fileFrames, result.FramesRead);
        Interlocked.Add(ref _fileBytes, input.Length);
        Interlocked.Add(ref _connections, result.Connections);
        Interlocked.Add(ref _anomalies, result.Anomalies);
        if (!result.Opened) Interlocked.Increment(ref _unopenable);
        NoteSlow(timer.Elapsed, iteration, input.Length);
        // The input that came closest to its allowance: how much room the memory bound leaves.
        lock (_mostAllocatedLock)
            if (Share(result.AllocatedBytes, result.InputLength) > Share(_mostAllocated.Allocated, _mostAllocated.InputLength))
                _mostAllocated = (result.AllocatedBytes, result.InputLength, iteration);
        foreach (var finding in findings)
            _findings.Add(finding, origin with { Settings = settings }, input);
    }

    private void RunFrameBatch(long batch, int frames)
    {
        var random = Iterations.RandomFor(_seed, Campaign.FrameBatches, batch);
        var findings = new List<Finding>();
        var result = FrameBatchTarget.Run(random, frames, _corpus.Frames, _frameMutator, findings);
        Interlocked.Add(ref _batchFrames, result.Frames);
        lock (_mostAllocatedLock)
            _mostAllocatedByBatch = Math.Max(_mostAllocatedByBatch, result.AllocatedBytes);
        Interlocked.Add(ref _tcpFrames, result.TcpFrames);
        Interlocked.Add(ref _connections, result.Connections);
        Interlocked.Add(ref _anomalies, result.Anomalies);
        if (findings.Count == 0)
            return;
        // Write the batch up to the failing frame as a pcapng file: the finding becomes an input like any other.
        var (file, _, _) = FrameBatchInput(batch, (int)result.Frames);
        var origin = new FindingOrigin(_seed, Campaign.FrameBatches, batch, "frame samples", [$"{result.Frames} frames"], result.Settings);
        foreach (var finding in findings)
            _findings.Add(finding, origin, file);
    }

    private static double Share(long allocated, long inputLength) =>
        (double)allocated / (PipelineTarget.BaseAllocationAllowance + PipelineTarget.AllocationPerInputByte * inputLength);

    private void NoteSlow(TimeSpan elapsed, long iteration, long bytes)
    {
        _slowest.Add((elapsed, iteration, bytes));
        if (_slowest.Count > 64)
        {
            // Keep the bag small: drop everything but the slowest few.
            var keep = _slowest.OrderByDescending(s => s.Elapsed).Take(8).ToList();
            _slowest.Clear();
            foreach (var entry in keep) _slowest.Add(entry);
        }
    }

    private void Report(TimeSpan elapsed, bool final)
    {
        var c = CultureInfo.InvariantCulture;
        long frames = Frames;
        Console.WriteLine(string.Create(c,
            $"{(final ? "done" : "...")} {elapsed:hh\\:mm\\:ss}  files {Files:N0} ({Interlocked.Read(ref _fileBytes) / 1_048_576.0:N0} MiB, {Interlocked.Read(ref _unopenable):N0} refused at open)  " +
            $"frames {frames:N0} (in files {Interlocked.Read(ref _fileFrames):N0}, single {Interlocked.Read(ref _batchFrames):N0})  " +
            $"connections {Interlocked.Read(ref _connections):N0}  anomalies {Interlocked.Read(ref _anomalies):N0}  " +
            $"tcpstate runs {Interlocked.Read(ref _processRuns):N0}  findings {_findings.Total:N0} ({_findings.Distinct.Count():N0} distinct)  " +
            $"{frames / Math.Max(elapsed.TotalSeconds, 0.001):N0} frames/s"));
        if (!final)
            return;
        Console.WriteLine("mutations applied:");
        foreach (var (kind, count) in _mutations.All)
            Console.WriteLine(string.Create(c, $"  {kind,-40} {count,12:N0}"));
        var most = _mostAllocated;
        Console.WriteLine(string.Create(c,
            $"closest to its memory allowance: {most.Allocated:N0} bytes for {most.InputLength:N0} bytes of input (iteration {most.Iteration}; allowance {PipelineTarget.BaseAllocationAllowance + PipelineTarget.AllocationPerInputByte * most.InputLength:N0})"));
        Console.WriteLine(string.Create(c, $"most allocated by one frame batch: {_mostAllocatedByBatch:N0} bytes"));
        Console.WriteLine("slowest files:");
        foreach (var (time, iteration, bytes) in _slowest.OrderByDescending(s => s.Elapsed).Take(3))
            Console.WriteLine(string.Create(c, $"  iteration {iteration}: {time.TotalMilliseconds:N0} ms for {bytes:N0} bytes"));
    }
}
