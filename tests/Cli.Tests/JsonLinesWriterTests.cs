using TcpState.Analysis;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Cli.Output;

namespace TcpState.Cli.Tests;

/// <summary>
/// `read --format json` formats connections on a thread of its own (<see cref="JsonLinesWriter"/>): the lines must be
/// the ones the tracker's thread would write, in the same order, and a failing output must reach the caller.
/// </summary>
public class JsonLinesWriterTests
{
    // 3,000 connections: the writer's ring of 256 wraps about a dozen times, and the tracker waits for it to drain.
    private const int Connections = 3_000;

    [Fact]
    public void Formatting_on_a_second_thread_writes_the_same_lines_in_the_same_order()
    {
        byte[] oneThread = Write(formatOnSecondThread: false);
        byte[] twoThreads = Write(formatOnSecondThread: true);

        Assert.Equal(Connections + 1, oneThread.Count(b => b == (byte)'\n')); // and the summary line
        Assert.Equal(oneThread, twoThreads);
    }

    [Fact]
    public void A_failing_output_is_reported_on_the_calling_thread()
    {
        using var output = new SmallDisk(capacity: 100_000, keep: false);
        var writer = new JsonLinesWriter(output, formatOnSecondThread: true);
        var statistics = new ConnectionStatistics();

        var failure = Assert.Throws<IOException>(() => Feed(writer, statistics));

        Assert.StartsWith("No space left on device", failure.Message);
        // Thrown while connections were still being handed over, not only when the run ended: about 160 lines fill
        // 100 KB, and the ring holds 256 more.
        Assert.InRange(statistics.Connections, 1, 1_000);
    }

    private static byte[] Write(bool formatOnSecondThread)
    {
        var output = new MemoryStream();
        using (var writer = new JsonLinesWriter(output, formatOnSecondThread))
            Feed(writer, new ConnectionStatistics());
        return output.ToArray();
    }

    /// <summary>Each connection opened and closed in seven segments, 10 ms apart, then the run's end.</summary>
    private static void Feed(JsonLinesWriter writer, ConnectionStatistics statistics)
    {
        var tracker = new ConnectionTracker(new AnalysisOptions { RecordTransitions = true }, new FanOutSink(statistics, writer));
        var server = Server;
        long start = 1_700_000_000L * PacketTime.NanosecondsPerSecond;
        for (int i = 0; i < Connections; i++)
        {
            var client = IpAddress.FromIpv4(0x0A01_0000u + (uint)i);
            long at = start + i * 10_000_000L;
            uint c = (uint)i * 7919, s = (uint)i * 104729;
            Segment(tracker, at, client, server, c, 0, TcpFlags.Syn);
            Segment(tracker, at + 1_000_000, server, client, s, c + 1, TcpFlags.Syn | TcpFlags.Ack);
            Segment(tracker, at + 2_000_000, client, server, c + 1, s + 1, TcpFlags.Ack);
            Segment(tracker, at + 3_000_000, client, server, c + 1, s + 1, TcpFlags.Fin | TcpFlags.Ack);
            Segment(tracker, at + 4_000_000, server, client, s + 1, c + 2, TcpFlags.Ack);
            Segment(tracker, at + 5_000_000, server, client, s + 1, c + 2, TcpFlags.Fin | TcpFlags.Ack);
            Segment(tracker, at + 6_000_000, client, server, c + 2, s + 2, TcpFlags.Ack);
        }
        tracker.Finish();
        writer.End(new RunReport
        {
            Inputs = ["generated"],
            Frames = new FrameAccounting(),
            Connections = statistics,
            Tracker = tracker,
            Problems = [],
            ChecksumsVerified = true,
            Anomalies = [],
            AnomaliesNotListed = new Dictionary<string, long>(),
            DetectorEntriesForgotten = 0,
        });
    }

    private static readonly IpAddress Server = IpAddress.Parse("10.0.0.2");

    private static void Segment(ConnectionTracker tracker, long at, IpAddress from, IpAddress to, uint sequence, uint ack, TcpFlags flags)
    {
        bool fromClient = to == Server;
        tracker.Process(new TcpSegment
        {
            Timestamp = new PacketTime(at),
            Source = from,
            Destination = to,
            SourcePort = fromClient ? (ushort)40000 : (ushort)80,
            DestinationPort = fromClient ? (ushort)80 : (ushort)40000,
            Sequence = sequence,
            Acknowledgment = ack,
            Flags = flags,
            Window = 64240,
            Checksum = ChecksumStatus.Valid,
            IpVersion = 4,
            Ttl = 64,
        });
    }
}
