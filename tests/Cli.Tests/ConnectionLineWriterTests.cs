using TcpState.Analysis;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Cli.Output;

namespace TcpState.Cli.Tests;

/// <summary>
/// `read --format json|zeek|csv` formats connections on a thread of its own (<see cref="ConnectionLineWriter"/>): the
/// lines must be the ones the tracker's thread would write, in the same order, and a failing output must reach the
/// caller.
/// </summary>
public class ConnectionLineWriterTests
{
    // 3,000 connections: the writer's ring of 256 wraps about a dozen times, and the tracker waits for it to drain.
    private const int Connections = 3_000;

    public static TheoryData<OutputFormat> Formats() => [OutputFormat.Json, OutputFormat.Zeek, OutputFormat.Csv];

    [Theory]
    [MemberData(nameof(Formats))]
    public void Formatting_on_a_second_thread_writes_the_same_lines_in_the_same_order(OutputFormat format)
    {
        string[] oneThread = Lines(Write(format, formatOnSecondThread: false));
        string[] twoThreads = Lines(Write(format, formatOnSecondThread: true));

        Assert.Equal(Connections, oneThread.Count(line => line.Contains("10.1.")));
        Assert.Equal(oneThread, twoThreads);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_failing_output_is_reported_on_the_calling_thread(OutputFormat format)
    {
        using var output = new SmallDisk(capacity: 100_000, keep: false);
        var writer = Create(format, output, formatOnSecondThread: true);
        var statistics = new ConnectionStatistics();

        var failure = Assert.Throws<IOException>(() => Feed(writer, statistics));

        Assert.StartsWith("No space left on device", failure.Message);
        // Thrown while connections were still being handed over, not only when the run ended: a few hundred lines
        // fill 100 KB, written out in chunks of 64 KB, and the ring holds 256 more.
        Assert.InRange(statistics.Connections, 1, 1_500);
    }

    private static RecordWriter Create(OutputFormat format, Stream output, bool formatOnSecondThread) => format switch
    {
        OutputFormat.Json => new JsonLinesWriter(output, formatOnSecondThread),
        OutputFormat.Zeek => new ZeekLogWriter(output, formatOnSecondThread),
        _ => new CsvRecordWriter(output, formatOnSecondThread),
    };

    private static byte[] Write(OutputFormat format, bool formatOnSecondThread)
    {
        var output = new MemoryStream();
        using (var writer = Create(format, output, formatOnSecondThread))
        {
            writer.Begin();
            Feed(writer, new ConnectionStatistics());
        }
        return output.ToArray();
    }

    /// <summary>The lines, but for the zeek log's #open and #close, which carry the wall-clock time.</summary>
    private static string[] Lines(byte[] output) =>
        System.Text.Encoding.UTF8.GetString(output).Split('\n')
            .Where(line => !line.StartsWith("#open", StringComparison.Ordinal) && !line.StartsWith("#close", StringComparison.Ordinal))
            .ToArray();

    /// <summary>Each connection opened and closed in seven segments, 10 ms apart, then the run's end.</summary>
    private static void Feed(RecordWriter writer, ConnectionStatistics statistics)
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
