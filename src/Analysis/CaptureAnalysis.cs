using TcpState.Analysis.Anomalies;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis;

/// <summary>
/// The read → decode → track loop over one or more packet sources, shared by every command. Frames from all sources
/// feed one tracker, so a connection that spans rotated capture files stays one connection.
/// </summary>
public sealed class CaptureAnalysis
{
    private readonly FrameDecoder _decoder;
    private TcpSegment[]? _batch;

    public CaptureAnalysis(AnalysisOptions analysisOptions, DecoderOptions decoderOptions, IConnectionSink sink,
        DetectorSettings? detectors = null)
    {
        _decoder = new FrameDecoder(decoderOptions);
        Tracker = new ConnectionTracker(analysisOptions, sink);
        if (detectors is not null)
        {
            Anomalies = new AnomalyEngine(detectors);
            Tracker.AddObserver(Anomalies);
        }
    }

    /// <summary>The anomaly detectors, when the analysis runs them.</summary>
    public AnomalyEngine? Anomalies { get; }

    public FrameAccounting Accounting { get; } = new();

    public ConnectionTracker Tracker { get; }

    /// <summary>Problems met in the inputs, one line each, in the order they happened.</summary>
    public List<string> InputProblems { get; } = [];

    /// <summary>
    /// Whether <see cref="Run"/> reads and decodes on a second thread (<see cref="ReadAhead"/>) while this one tracks.
    /// On by default where there is a second core; the results are the same either way.
    /// </summary>
    public bool ReadOnSecondThread { get; set; } = Environment.ProcessorCount > 1;

    private ReadAhead? _readAhead;

    /// <summary>Reads <paramref name="source"/> to its end. Returns false if it ended on an error (already recorded).</summary>
    public bool Run(IPacketSource source)
    {
        if (ReadOnSecondThread)
            (_readAhead ??= new ReadAhead()).Run(source, _decoder, Accounting, Tracker);
        else
            RunOnThisThread(source);
        if (source.Status is SourceStatus.EndOfInput or SourceStatus.Reading)
            return true;
        InputProblems.Add(source.ErrorMessage ?? $"{source.Name}: {source.Status}");
        return false;
    }

    private void RunOnThisThread(IPacketSource source)
    {
        // Decoded a batch at a time, so the tracker can prefetch the batch's connections before updating them.
        var batch = _batch ??= new TcpSegment[ConnectionTracker.MaxBatch];
        bool more = true;
        while (more)
        {
            int count = ReadBatch(source, _decoder, Accounting, batch, out more);
            Tracker.ProcessBatch(batch.AsSpan(0, count));
        }
    }

    /// <summary>
    /// Reads frames until <paramref name="batch"/> holds as many TCP segments as it can or the source has no more
    /// (<paramref name="more"/> false); returns how many it holds. Frames that are not TCP are only counted.
    /// </summary>
    internal static int ReadBatch(IPacketSource source, FrameDecoder decoder, FrameAccounting accounting,
        Span<TcpSegment> batch, out bool more)
    {
        int count = 0;
        more = true;
        while (count < batch.Length && (more = source.TryReadFrame(out var frame)))
        {
            if (decoder.Decode(frame, accounting, out batch[count]) == DecodeOutcome.Tcp)
                count++;
        }
        return count;
    }

    /// <summary>
    /// Decodes and tracks one frame, for loops that do more per frame than <see cref="Run"/> (live capture writes the
    /// frame to a file, counts it against -c and watches the time). Allocates nothing.
    /// </summary>
    public DecodeOutcome Process(in Frame frame)
    {
        var outcome = _decoder.Decode(frame, Accounting, out var segment);
        if (outcome == DecodeOutcome.Tcp)
            Tracker.Process(segment);
        return outcome;
    }

    /// <summary>The inputs have ended: every connection still tracked is written with the states last seen.</summary>
    public void Complete()
    {
        Tracker.Finish();
        Anomalies?.Complete(Tracker.Clock);
    }
}
