using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>The tracker's per-segment work allocates nothing once its tables have grown to the traffic.</summary>
public class TrackerAllocationTests
{
    [Fact]
    public void SteadyStateTracking_AllocatesNothingPerSegment()
    {
        // 40,000 complete connections, one every 10 ms: TIME_WAIT (60 s) keeps about 6,000 tracked at a time, so
        // slots, transition entries and expiry queues are reused continuously once the first minute has passed.
        var segments = BuildConnections(40_000, spacingSeconds: 0.01);
        var statistics = new ConnectionStatistics();
        var tracker = new ConnectionTracker(new AnalysisOptions(), statistics);

        var allocatedPerWindow = AllocatedInLastTwoWindows(tracker, segments);

        Assert.True(statistics.Connections > 20_000, $"only {statistics.Connections} connections finished during the run");
        Assert.True(allocatedPerWindow.Min() == 0, $"bytes allocated per window: {string.Join(", ", allocatedPerWindow)}");
    }

    /// <summary>
    /// Feeds every segment, and returns what the last two windows of 100,000 segments allocated. Two, because one of
    /// them may carry the runtime's own few bytes (see PipelineAllocationTests); a tracker that allocates per segment
    /// shows in both.
    /// </summary>
    internal static long[] AllocatedInLastTwoWindows(ConnectionTracker tracker, TcpSegment[] segments)
    {
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
        return allocatedPerWindow;
    }

    internal static TcpSegment[] BuildConnections(int count, double spacingSeconds)
    {
        var segments = new List<TcpSegment>(count * 10);
        for (int i = 0; i < count; i++)
        {
            var conversation = new TcpConversation(
                clientAddress: $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}", clientPort: (ushort)(10000 + i % 50000),
                clientIsn: (uint)(i * 7919), serverIsn: (uint)(i * 104729), startSeconds: 1_700_000_000 + i * spacingSeconds);
            var client = conversation.Client;
            var server = conversation.Server;
            client.Syn();
            server.SynAck();
            client.Ack();
            client.Data(100);
            server.Data(1000);
            client.Ack();
            client.Fin();
            server.Fin();
            client.Ack();
            segments.AddRange(conversation.Segments);
        }
        return segments.ToArray();
    }
}
