using TcpState.Capture.Decoding;
using TcpState.Capture.Files;

namespace TcpState.Analysis.Tests;

/// <summary>
/// The whole hot path — read a pcap record, decode Ethernet/IP/TCP with checksum verification, find the connection,
/// update both state models, run every anomaly detector — allocates nothing per packet in steady state.
/// </summary>
public class PipelineAllocationTests
{
    [Fact]
    public void ReadDecodeTrack_AllocatesZeroBytesPerPacketOverHundredThousandPackets()
    {
        var segments = TrackerAllocationTests.BuildConnections(40_000, spacingSeconds: 0.01);
        var pcap = SegmentFrames.ToPcap(segments);
        Assert.True(CaptureFile.TryOpen(new MemoryStream(pcap), "generated.pcap", out var source, out var error), error);
        using var _ = source;

        var statistics = new ConnectionStatistics();
        var tracker = new ConnectionTracker(new AnalysisOptions(), statistics);
        var anomalies = new Anomalies.AnomalyEngine();
        tracker.AddObserver(anomalies);
        var decoder = new FrameDecoder();
        var accounting = new FrameAccounting();

        // Two windows of 100,000 packets after warm-up. A per-packet allocation shows in both; the runtime itself
        // (tiered compilation finishing in the background) can now and then charge a few bytes to this thread,
        // which shows in one window at most.
        const int window = 100_000;
        int firstWindow = segments.Length - 2 * window;
        var allocatedPerWindow = new long[2];
        int frames = 0;
        long mark = 0;
        while (source!.TryReadFrame(out var frame))
        {
            if (frames == firstWindow || frames == firstWindow + window)
            {
                long now = GC.GetAllocatedBytesForCurrentThread();
                if (frames > firstWindow) allocatedPerWindow[0] = now - mark;
                mark = now;
            }
            if (decoder.Decode(frame, accounting, out var segment) == DecodeOutcome.Tcp)
                tracker.Process(segment);
            frames++;
        }
        allocatedPerWindow[1] = GC.GetAllocatedBytesForCurrentThread() - mark;

        Assert.Equal(segments.Length, frames);
        Assert.Equal(frames, accounting.Tcp);
        Assert.Equal(0, accounting.BadTcpChecksums);
        Assert.True(statistics.Connections > 20_000);
        Assert.Empty(anomalies.Anomalies);
        Assert.True(allocatedPerWindow.Min() == 0,
            $"bytes allocated per {window:N0}-packet window: {string.Join(", ", allocatedPerWindow)}");
    }
}
