using System.IO.Compression;
using System.Numerics;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Capture.Files;
using TcpState.Cli.Output;

namespace TcpState.Fuzzing;

/// <summary>What one in-process run of a file gave, for figures and for comparing with the real executable.</summary>
internal sealed record FileRunResult(
    bool Opened,
    long FramesRead,
    long CapturedBytes,
    SourceStatus Status,
    long Connections,
    int Anomalies,
    long AllocatedBytes,
    long InputLength);

/// <summary>
/// The whole pipeline in this process, as <c>tcpstate read</c> runs it: <see cref="CaptureFile.TryOpen(Stream, string, out IPacketSource?, out string?)"/>,
/// every frame through <see cref="FrameDecoder"/> into <see cref="FrameAccounting"/>, every TCP segment into the
/// <see cref="ConnectionTracker"/> with the <see cref="AnomalyEngine"/> watching, then the end of input. Any exception
/// is a finding, and so is any broken invariant: the accounting adds up, no more frames than the bytes could hold, the
/// source ends in a state with a one-line message, the tables stay within their caps, and the bytes allocated stay
/// within a bound proportional to the input.
/// </summary>
internal static class PipelineTarget
{
    public const string Name = "in-process";

    /// <summary>
    /// What any input may allocate whatever its size: the 1 MiB read buffer, the connection table's and the transition
    /// log's first arrays, the detectors' tables, JIT-time allocations of a first call on this thread.
    /// </summary>
    public const long BaseAllocationAllowance = 16L * 1024 * 1024;

    /// <summary>
    /// What each byte of (decompressed) input may allocate on top: a 40-byte minimal packet can open a connection whose
    /// record (uid, Community ID, transition lists) and anomaly take a few kilobytes.
    /// </summary>
    public const long AllocationPerInputByte = 128;

    /// <summary>The smallest room one frame takes in a file: a pcap record header, or the smallest pcapng packet block.</summary>
    private const int SmallestRecord = 16;

    public static FileRunResult Run(byte[] input, PipelineSettings settings, List<Finding> findings)
    {
        long inputLength = DecodedLength(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var counting = default(CountingSource);
        var analysis = default(CaptureAnalysis);
        var sink = new CheckingSink(Name, settings.BuildRecords, findings);
        var statistics = new ConnectionStatistics();
        var writer = settings.Output is { } format ? RecordWriter.Create(format, Stream.Null) : null;
        bool opened = false;
        try
        {
            opened = CaptureFile.TryOpen(new MemoryStream(input, writable: false), "fuzz.pcap", settings.BufferSize, out var source, out string? error);
            if (!opened)
            {
                if (!IsOneLine(error))
                    findings.Add(Finding.Broken(Name, "one-line-error", $"open failed with {Quote(error)}"));
                return new FileRunResult(false, 0, 0, SourceStatus.Unreadable, 0, 0, GC.GetAllocatedBytesForCurrentThread() - before, inputLength);
            }

            using (counting = new CountingSource(source!))
            {
                IConnectionSink sinks = writer is null ? new FanOutSink(sink, statistics) : new FanOutSink(sink, statistics, writer);
                analysis = new CaptureAnalysis(settings.Analysis, settings.Decoder, sinks, new DetectorSettings());
                writer?.Begin();
                analysis.Run(counting);
                analysis.Complete();
            }
            // The output formats, as tcpstate read writes them (to nowhere): records as they finish, then the summary.
            writer?.End(new RunReport
            {
                Inputs = ["fuzz.pcap"],
                Frames = analysis.Accounting,
                Connections = statistics,
                Tracker = analysis.Tracker,
                Problems = analysis.InputProblems,
                ChecksumsVerified = settings.VerifyChecksums,
                Anomalies = analysis.Anomalies!.BySeverity.ToList(),
                AnomaliesNotListed = analysis.Anomalies.NotListed,
                DetectorEntriesForgotten = analysis.Anomalies.DetectorEntriesForgotten,
            });
            writer?.Dispose();
        }
        catch (Exception e)
        {
            findings.Add(Finding.Threw(Name, e));
            return new FileRunResult(opened, counting?.Frames ?? 0, 0, SourceStatus.Unreadable, 0, 0, 0, inputLength);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Check(counting, analysis, sink, settings, inputLength, allocated, findings);
        return new FileRunResult(true, counting.Frames, counting.CapturedBytes, counting.Status, sink.Connections,
            analysis.Anomalies!.Anomalies.Count, allocated, inputLength);
    }

    private static void Check(CountingSource source, CaptureAnalysis analysis, CheckingSink sink, PipelineSettings settings,
        long inputLength, long allocated, List<Finding> findings)
    {
        PipelineChecks.Accounting(Name, analysis.Accounting, source.Frames, findings);
        if (source.Frames * SmallestRecord > inputLength || source.CapturedBytes > inputLength)
            findings.Add(Finding.Broken(Name, "frames-within-input",
                $"{source.Frames} frames holding {source.CapturedBytes} bytes read from {inputLength} bytes"));
        if (source.LargestFrame > CaptureFileLimits.MaxPcapNgBlockLength)
            findings.Add(Finding.Broken(Name, "frames-within-limits", $"a frame of {source.LargestFrame} bytes"));

        switch (source.Status)
        {
            case SourceStatus.Reading:
                findings.Add(Finding.Broken(Name, "source-ends", "the source still says Reading after returning false"));
                break;
            case SourceStatus.EndOfInput when source.ErrorMessage is not null:
                findings.Add(Finding.Broken(Name, "source-ends", $"end of input with an error {Quote(source.ErrorMessage)}"));
                break;
            case not SourceStatus.EndOfInput when !IsOneLine(source.ErrorMessage) || !source.ErrorMessage!.StartsWith("fuzz.pcap: ", StringComparison.Ordinal):
                findings.Add(Finding.Broken(Name, "one-line-error", $"{source.Status} with {Quote(source.ErrorMessage)}"));
                break;
        }
        if (analysis.InputProblems.Count > 1)
            findings.Add(Finding.Broken(Name, "one-line-error", $"{analysis.InputProblems.Count} problems for one input"));

        PipelineChecks.Tracker(Name, analysis.Tracker, analysis.Accounting, sink.Connections, findings);
        PipelineChecks.Anomalies(Name, analysis.Anomalies!, findings);

        // Allocation figures miss arrays the shared pool already held, so the read buffer is bounded on its own: it may
        // double past what arrived, never grow to what a length field claims.
        long bufferBound = 2 * (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(settings.BufferSize, inputLength));
        if (source.BufferCapacity > bufferBound)
            findings.Add(Finding.Broken(Name, "memory-bounded",
                $"read buffer of {source.BufferCapacity:N0} bytes for {inputLength:N0} bytes of input"));

        long allowance = BaseAllocationAllowance + AllocationPerInputByte * inputLength;
        if (allocated > allowance)
            findings.Add(Finding.Broken(Name, "memory-bounded",
                $"{allocated:N0} bytes allocated for {inputLength:N0} bytes of input (allowance {allowance:N0}), settings {settings}"));
    }

    /// <summary>
    /// The input's length after gzip, counted up to a bound (a gzip bomb is not what is being measured). Read in small
    /// chunks: damaged data throws on the read that reaches the damage and loses that read's output, so the count can
    /// fall short of what the reader saw by one chunk, which is added back.
    /// </summary>
    private static long DecodedLength(byte[] input)
    {
        if (input.Length < 2 || input[0] != 0x1F || input[1] != 0x8B)
            return input.Length;
        const long Bound = 1L << 30;
        const int Chunk = 512;
        long total = 0;
        var chunk = new byte[Chunk];
        try
        {
            using var gzip = new GZipStream(new MemoryStream(input, writable: false), CompressionMode.Decompress);
            int read;
            while (total < Bound && (read = gzip.Read(chunk)) > 0)
                total += read;
        }
        catch (InvalidDataException)
        {
            total += Chunk;
        }
        return Math.Max(total, input.Length);
    }

    private static bool IsOneLine(string? message) =>
        !string.IsNullOrWhiteSpace(message) && !message.Contains('\n', StringComparison.Ordinal) && !message.Contains('\r', StringComparison.Ordinal);

    private static string Quote(string? message) => message is null ? "no message" : $"\"{message}\"";

    /// <summary>Passes frames through while counting them and checking each against what a file can hold.</summary>
    private sealed class CountingSource(IPacketSource inner) : IPacketSource
    {
        public long Frames { get; private set; }
        public long CapturedBytes { get; private set; }
        public int LargestFrame { get; private set; }

        /// <summary>The reader's buffer when the input ended, before disposal returns it.</summary>
        public int BufferCapacity { get; private set; }

        public string Name => inner.Name;
        public SourceStatus Status => inner.Status;
        public string? ErrorMessage => inner.ErrorMessage;

        public bool TryReadFrame(out Frame frame)
        {
            if (!inner.TryReadFrame(out frame))
            {
                BufferCapacity = (inner as CaptureFileReader)?.BufferCapacity ?? 0;
                return false;
            }
            Frames++;
            CapturedBytes += frame.Data.Length;
            LargestFrame = Math.Max(LargestFrame, frame.Data.Length);
            return true;
        }

        public void Dispose() => inner.Dispose();
    }
}
