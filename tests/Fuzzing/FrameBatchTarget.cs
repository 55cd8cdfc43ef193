using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Fuzzing;

/// <summary>What one batch of mutated frames gave.</summary>
internal sealed record FrameBatchResult(PipelineSettings Settings, long Frames, long TcpFrames, long Connections, int Anomalies, long AllocatedBytes);

/// <summary>
/// Single mutated frames, many at a time: each through <see cref="FrameDecoder"/> (with <see cref="FrameAccounting"/>)
/// and, when it is TCP, into one <see cref="ConnectionTracker"/> and <see cref="AnomalyEngine"/> that live for the
/// batch, on a packet clock that mostly creeps forward, sometimes jumps past every timer and sometimes steps back.
/// This is the cheap way to millions of frames; a batch can be written out as a pcapng file to replay through the
/// file target.
/// </summary>
internal static class FrameBatchTarget
{
    public const string Name = "frames";

    /// <summary>What a batch may allocate whatever its length (tables, the first calls' JIT allocations).</summary>
    public const long BaseAllocationAllowance = 16L * 1024 * 1024;

    /// <summary>Per frame: the mutated copy itself (1.6 KiB more with a 400-tag VLAN stack) and, at most, a record and anomaly.</summary>
    public const long AllocationPerFrame = 6 * 1024;

    private static readonly long StartOfTime = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;

    public static FrameBatchResult Run(Random random, int frames, IReadOnlyList<FrameSample> samples, FrameMutator mutator,
        List<Finding> findings, List<(MutableFrame Frame, long Time)>? keep = null)
    {
        var settings = PipelineSettings.Draw(random);
        var decoder = new FrameDecoder(settings.Decoder);
        var accounting = new FrameAccounting();
        var sink = new CheckingSink(Name, settings.BuildRecords, findings);
        var tracker = new ConnectionTracker(settings.Analysis, sink);
        var engine = new AnomalyEngine();
        tracker.AddObserver(engine);
        long time = StartOfTime + random.NextInt64(1_000_000_000_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long handedOut = 0;
        try
        {
            for (int i = 0; i < frames; i++)
            {
                var sample = samples[random.Next(samples.Count)];
                var frame = new MutableFrame((byte[])sample.Data.Clone(), sample.LinkType, sample.OriginalLength);
                mutator.Mutate(random, frame, 1 + (random.Next(3) == 0 ? random.Next(4) : 0));
                time = NextTime(random, time);
                keep?.Add((frame, time));

                var view = new Frame(frame.Data, frame.OriginalLength, new PacketTime(time), frame.LinkType);
                handedOut++;
                long fragmentsBefore = accounting.IpFragments;
                var outcome = decoder.Decode(view, accounting, out var segment);
                PipelineChecks.Decoded(Name, outcome, segment, frame.Data.Length, frame.OriginalLength,
                    fragment: accounting.IpFragments > fragmentsBefore, findings);
                if (outcome == DecodeOutcome.Tcp)
                {
                    tracker.Process(segment);
                    if (tracker.ActiveConnections > settings.MaxConnections)
                        findings.Add(Finding.Broken(Name, "connection-table-capped",
                            $"{tracker.ActiveConnections} connections with a cap of {settings.MaxConnections}"));
                }
                if (findings.Count > 0)
                    return new FrameBatchResult(settings, handedOut, accounting.Tcp, sink.Connections, 0, 0);
            }
            tracker.Finish();
            engine.Complete(tracker.Clock);
        }
        catch (Exception e)
        {
            findings.Add(Finding.Threw(Name, e));
            return new FrameBatchResult(settings, handedOut, accounting.Tcp, sink.Connections, 0, 0);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        PipelineChecks.Accounting(Name, accounting, handedOut, findings);
        PipelineChecks.Tracker(Name, tracker, accounting, sink.Connections, findings);
        PipelineChecks.Anomalies(Name, engine, findings);
        long allowance = BaseAllocationAllowance + AllocationPerFrame * frames;
        if (keep is null && allocated > allowance)
            findings.Add(Finding.Broken(Name, "memory-bounded", $"{allocated:N0} bytes allocated for {frames} frames (allowance {allowance:N0})"));
        return new FrameBatchResult(settings, handedOut, accounting.Tcp, sink.Connections, engine.Anomalies.Count, allocated);
    }

    /// <summary>Mostly a few hundred microseconds later; now and then minutes later (every timer fires) or a little earlier.</summary>
    private static long NextTime(Random random, long time) => random.Next(2000) switch
    {
        0 => time + random.NextInt64(400L * 1_000_000_000),
        1 => time - random.NextInt64(10L * 1_000_000_000),
        _ => time + random.Next(0, 2_000_000),
    };
}
