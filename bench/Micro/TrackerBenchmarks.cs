using BenchmarkDotNet.Attributes;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Bench.Micro;

/// <summary>
/// The tracker: connection lookup, Zeek's model, the RFC 9293 state machine (both endpoints), timers; with every anomaly
/// detector attached (as <c>tcpstate read</c> runs) or none. The difference between the two rows is the anomaly engine's
/// cost per segment. Each operation replays the segments later in packet time than the last, so every connection's
/// whole life is in the figure: created, driven through its states, expired by its timer, handed to the sink.
/// </summary>
[MemoryDiagnoser]
public class TrackerBenchmarks
{
    private const int CompleteConnections = 1024;
    private const long NanosecondsPerSecond = 1_000_000_000;

    private TcpSegment[] _realistic = [];
    private TcpSegment[] _complete = [];
    private long _realisticSpanNs, _completeSpanNs, _shiftNs;
    private ConnectionTracker _tracker = null!;

    [Params(false, true)]
    public bool Detectors { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _realistic = Traces.RealisticSegments;
        _realisticSpanNs = _realistic[^1].Timestamp.UnixNanoseconds - _realistic[0].Timestamp.UnixNanoseconds + 1000 * NanosecondsPerSecond;
        _complete = CompleteConnectionSegments.Build(CompleteConnections);
        _completeSpanNs = _complete[^1].Timestamp.UnixNanoseconds - _complete[0].Timestamp.UnixNanoseconds + 1000 * NanosecondsPerSecond;
        _tracker = new ConnectionTracker(new AnalysisOptions(), new ConnectionStatistics());
        if (Detectors)
            _tracker.AddObserver(new AnomalyEngine());
        _shiftNs = 0;
    }

    /// <summary>The realistic trace's 190,000 TCP segments. Per segment.</summary>
    [Benchmark(OperationsPerInvoke = Traces.RealisticPackets * 95 / 100)]
    public void RealisticSegment() => Replay(_realistic, _realisticSpanNs);

    /// <summary>
    /// One complete connection, 11 segments: handshake, request, two-segment response, ACK, four-way close; 1,024 of
    /// them interleaved. Per connection.
    /// </summary>
    [Benchmark(OperationsPerInvoke = CompleteConnections)]
    public void CompleteConnection() => Replay(_complete, _completeSpanNs);

    private void Replay(TcpSegment[] segments, long spanNs)
    {
        long shift = _shiftNs;
        _shiftNs += spanNs;
        var tracker = _tracker;
        foreach (ref readonly var original in segments.AsSpan())
        {
            var segment = original;
            segment.Timestamp = original.Timestamp.AddNanoseconds(shift);
            tracker.Process(segment);
        }
    }
}

/// <summary>Segments of complete connections, built directly (no frames): what the decoder would hand the tracker.</summary>
internal static class CompleteConnectionSegments
{
    public static TcpSegment[] Build(int connections)
    {
        var segments = new List<TcpSegment>(connections * 11);
        var server = IpAddress.FromIpv4(0x0A14_0001);
        long start = 1_772_442_000L * 1_000_000_000;
        for (int i = 0; i < connections; i++)
        {
            var client = IpAddress.FromIpv4(0x6440_0000u + (uint)(i / 16));
            ushort port = (ushort)(40_000 + i % 16);
            uint x = (uint)i * 2_654_435_761u, y = ~x;
            long t = start + i * 1_000_000L; // a new connection every millisecond, so they interleave
            void Add(bool fromClient, long atMicroseconds, uint seq, uint ack, TcpFlags flags, int payload = 0) => segments.Add(new TcpSegment
            {
                Timestamp = new PacketTime(t + atMicroseconds * 1000),
                Source = fromClient ? client : server,
                Destination = fromClient ? server : client,
                SourcePort = fromClient ? port : (ushort)443,
                DestinationPort = fromClient ? (ushort)443 : port,
                Sequence = seq,
                Acknowledgment = ack,
                Flags = flags,
                Window = 502,
                PayloadLength = payload,
                CapturedPayloadLength = payload,
                Checksum = ChecksumStatus.Valid,
                IpVersion = 4,
                Ttl = 64,
            });
            Add(true, 0, x, 0, TcpFlags.Syn);
            Add(false, 30, y, x + 1, TcpFlags.Syn | TcpFlags.Ack);
            Add(true, 1_000, x + 1, y + 1, TcpFlags.Ack);
            Add(true, 1_050, x + 1, y + 1, TcpFlags.Psh | TcpFlags.Ack, 300);
            Add(false, 2_000, y + 1, x + 301, TcpFlags.Ack, 1448);
            Add(false, 2_012, y + 1449, x + 301, TcpFlags.Psh | TcpFlags.Ack, 1000);
            Add(true, 3_000, x + 301, y + 2449, TcpFlags.Ack);
            Add(true, 500_000, x + 301, y + 2449, TcpFlags.Fin | TcpFlags.Ack);
            Add(false, 500_040, y + 2449, x + 302, TcpFlags.Ack);
            Add(false, 501_000, y + 2449, x + 302, TcpFlags.Fin | TcpFlags.Ack);
            Add(true, 502_000, x + 302, y + 2450, TcpFlags.Ack);
        }
        segments.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
        return [.. segments];
    }
}
