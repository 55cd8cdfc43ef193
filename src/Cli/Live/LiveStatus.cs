using TcpState.Analysis.Live;
using TcpState.Capture;
using TcpState.Capture.Live;

namespace TcpState.Cli.Live;

/// <summary>
/// Everything the dashboard and the <c>stats</c> record show, published by the capture thread and immutable after:
/// the census of connections plus the capture's own figures.
/// </summary>
internal sealed record LiveStatus
{
    public required string Device { get; init; }
    public string? Filter { get; init; }
    public required LinkType LinkType { get; init; }
    public required CensusSnapshot Census { get; init; }
    public required CaptureStatistics Capture { get; init; }
    /// <summary>Wall-clock seconds since the capture started.</summary>
    public required double ElapsedSeconds { get; init; }
    public required long FramesRead { get; init; }
    public required long TcpFrames { get; init; }
    public required long ConnectionsTracked { get; init; }
    public required long ConnectionsCreated { get; init; }
    public string? WritePath { get; init; }
    public long FramesWritten { get; init; }
}

/// <summary>Where a live capture's results go: the dashboard, or a stream of JSON lines.</summary>
internal interface ILiveOutput : Analysis.IConnectionSink, Analysis.Anomalies.IAnomalySink
{
    /// <summary>A fresh status, on the capture thread, every status interval. Must not block.</summary>
    void OnStatus(LiveStatus status);

    /// <summary>Pushes buffered results out (called on idle ticks and at least every 100 ms of a busy capture).</summary>
    void Flush();
}
