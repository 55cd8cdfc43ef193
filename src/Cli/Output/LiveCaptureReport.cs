using TcpState.Capture;
using TcpState.Capture.Live;

namespace TcpState.Cli.Output;

/// <summary>How a live capture went: where, for how long, why it stopped, and libpcap's own counters.</summary>
internal sealed record LiveCaptureReport
{
    public required string Device { get; init; }
    public string? Filter { get; init; }
    public required LinkType LinkType { get; init; }
    public required int SnapshotLength { get; init; }
    public required CaptureStatistics Statistics { get; init; }
    /// <summary>Wall-clock seconds the capture ran.</summary>
    public required double Seconds { get; init; }
    /// <summary>interrupt, packet_count, duration, quit or capture_error.</summary>
    public required string StopReason { get; init; }
    public string? WritePath { get; init; }
    public long FramesWritten { get; init; }
}
