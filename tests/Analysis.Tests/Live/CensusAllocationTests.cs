using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Live;

namespace TcpState.Analysis.Tests.Live;

/// <summary>
/// Live capture adds the census and the anomaly engine to every segment, the observers <c>tcpstate live</c> attaches;
/// together they must keep the tracker's zero-allocation promise.
/// </summary>
public class CensusAllocationTests
{
    [Fact]
    public void TrackerWithCensusAndAnomalyEngine_AllocatesZeroBytesPerSegmentOverHundredThousandSegments()
    {
        var segments = TrackerAllocationTests.BuildConnections(40_000, spacingSeconds: 0.01);
        var statistics = new ConnectionStatistics();
        var tracker = new ConnectionTracker(new AnalysisOptions(), statistics);
        var census = new ConnectionCensus();
        tracker.AddObserver(census);
        tracker.AddObserver(new AnomalyEngine(new DetectorSettings()));

        // As in TrackerAllocationTests: two windows after warm-up, one of which may carry the runtime's own few bytes.
        const int window = 100_000;
        int index = 0;
        for (; index < segments.Length - 2 * window; index++)
            tracker.Process(segments[index]);
        var allocatedPerWindow = new long[2];
        for (int w = 0; w < 2; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int end = index + window; index < end; index++)
                tracker.Process(segments[index]);
            allocatedPerWindow[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(census.TakeSnapshot(tracker.Clock).TimeWait > 1000, "the run should hold many TIME_WAIT endpoints");
        Assert.True(allocatedPerWindow.Min() == 0, $"bytes allocated per window: {string.Join(", ", allocatedPerWindow)}");
    }
}
