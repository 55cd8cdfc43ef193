using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Capture.Files;

namespace TcpState.Analysis.Tests;

/// <summary>
/// Reading and decoding on a second thread (<see cref="CaptureAnalysis.ReadOnSecondThread"/>): a failure on either
/// thread reaches the caller as itself and stops the other, and passing batches between them allocates nothing per
/// packet. That the output is the same as on one thread is checked on every recorded capture in the Cli tests.
/// </summary>
public class ReadAheadTests
{
    private static readonly TcpSegment[] Connections = TrackerAllocationTests.BuildConnections(20_000, spacingSeconds: 0.01);

    [Fact]
    public void A_failure_while_tracking_is_rethrown_and_stops_the_reader()
    {
        using var source = new CountingSource(Open(SegmentFrames.ToPcap(Connections)));
        var analysis = new CaptureAnalysis(new AnalysisOptions(), new DecoderOptions(), new FailingSink())
        {
            ReadOnSecondThread = true,
        };

        var failure = Assert.Throws<InvalidOperationException>(() => analysis.Run(source));

        Assert.Equal(FailingSink.Message, failure.Message);
        // The first connection is written out long before the end of the file; the reader stopped within one ring.
        Assert.True(source.FramesRead < Connections.Length / 2, $"{source.FramesRead:N0} of {Connections.Length:N0} frames read");
    }

    [Fact]
    public void A_failure_while_reading_is_rethrown_on_the_calling_thread()
    {
        using var source = new CountingSource(Open(SegmentFrames.ToPcap(Connections)), failAfter: 10_000);
        var statistics = new ConnectionStatistics();
        var analysis = new CaptureAnalysis(new AnalysisOptions(), new DecoderOptions(), statistics) { ReadOnSecondThread = true };

        var failure = Assert.Throws<IOException>(() => analysis.Run(source));

        Assert.Equal(CountingSource.Message, failure.Message);
        Assert.Equal(10_000, source.FramesRead);
    }

    [Fact]
    public void The_tracker_gets_every_segment_once_and_in_order_as_the_ring_wraps()
    {
        // 180,000 segments: the ring of 64 batches of 256 wraps ten times, and the reader, ahead of the tracker, finds
        // it full and waits for half of it to drain again and again.
        var pcap = SegmentFrames.ToPcap(Connections);

        var oneThread = Finished(pcap, secondThread: false);
        var twoThreads = Finished(pcap, secondThread: true);

        Assert.Equal(20_000, oneThread.Count);
        Assert.Equal(oneThread, twoThreads);
    }

    /// <summary>Each finished connection as uid, states, history and packet counts, in the order written out.</summary>
    private static List<string> Finished(byte[] pcap, bool secondThread)
    {
        var sink = new RecordingSink();
        var analysis = new CaptureAnalysis(new AnalysisOptions(), new DecoderOptions(), sink) { ReadOnSecondThread = secondThread };
        using (var source = Open(pcap))
            Assert.True(analysis.Run(source));
        analysis.Complete();
        return sink.Records.Select(r =>
            $"{r.Uid} {r.ConnState} {r.History} {r.OriginatorState}/{r.ResponderState} {r.OriginatorPackets}/{r.ResponderPackets}").ToList();
    }

    [Fact]
    public void Passing_batches_between_the_threads_allocates_nothing_per_packet()
    {
        // Two halves of one capture in time order: the first grows the tables and allocates the ring, the second is measured.
        int half = Connections.Length / 2;
        var first = SegmentFrames.ToPcap(Connections[..half]);
        var second = SegmentFrames.ToPcap(Connections[half..]);
        var statistics = new ConnectionStatistics();
        var analysis = new CaptureAnalysis(new AnalysisOptions(), new DecoderOptions(), statistics) { ReadOnSecondThread = true };
        using (var warmUp = Open(first))
            Assert.True(analysis.Run(warmUp));

        // Counted per thread, as the test run's other threads allocate meanwhile: the calling thread around the run,
        // the reader thread from its first read to its last.
        using var measured = new CountingSource(Open(second));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(analysis.Run(measured));
        long tracking = GC.GetAllocatedBytesForCurrentThread() - before;

        int packets = Connections.Length - half;
        Assert.Equal(Connections.Length, analysis.Accounting.Tcp);
        Assert.NotEqual(Environment.CurrentManagedThreadId, measured.ReaderThreadId);
        // What a run costs once: the reader thread and two counters' events, a few kilobytes; not one byte per packet.
        Assert.True(tracking < packets / 8, $"{tracking:N0} bytes allocated tracking {packets:N0} packets");
        Assert.True(measured.AllocatedWhileReading < packets / 8,
            $"{measured.AllocatedWhileReading:N0} bytes allocated reading {packets:N0} packets");
    }

    private static IPacketSource Open(byte[] pcap)
    {
        Assert.True(CaptureFile.TryOpen(new MemoryStream(pcap), "generated.pcap", out var source, out var error), error);
        return source!;
    }

    private sealed class FailingSink : IConnectionSink
    {
        public const string Message = "the sink failed";

        public void OnConnection(in ConnectionView connection) => throw new InvalidOperationException(Message);
    }

    /// <summary>
    /// Counts the frames read and what the reading thread allocated from its first read to its last; throws instead of
    /// reading the frame after <c>failAfter</c>.
    /// </summary>
    private sealed class CountingSource(IPacketSource inner, int failAfter = int.MaxValue) : IPacketSource
    {
        public const string Message = "the disk failed";

        private long _allocatedAtFirstRead = -1;

        public int FramesRead { get; private set; }

        public int ReaderThreadId { get; private set; }

        public long AllocatedWhileReading { get; private set; } = -1;

        public string Name => inner.Name;

        public SourceStatus Status => inner.Status;

        public string? ErrorMessage => inner.ErrorMessage;

        public bool TryReadFrame(out Frame frame)
        {
            if (_allocatedAtFirstRead < 0)
            {
                ReaderThreadId = Environment.CurrentManagedThreadId;
                _allocatedAtFirstRead = GC.GetAllocatedBytesForCurrentThread();
            }
            if (FramesRead == failAfter)
                throw new IOException(Message);
            bool read = inner.TryReadFrame(out frame);
            if (read) FramesRead++;
            else AllocatedWhileReading = GC.GetAllocatedBytesForCurrentThread() - _allocatedAtFirstRead;
            return read;
        }

        public void Dispose() => inner.Dispose();
    }
}
