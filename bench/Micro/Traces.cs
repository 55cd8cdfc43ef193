using TcpState.Bench.Generator;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Capture.Files;

namespace TcpState.Bench.Micro;

/// <summary>
/// The benchmarks' inputs, made once per process by the trace generator: a realistic pcap in memory (the same mix as
/// bench/out/realistic-5m.pcap at a smaller scale: 5,000 connections open at once, no flood) and its TCP segments.
/// </summary>
public static class Traces
{
    public const int RealisticPackets = 200_000;

    private static byte[]? _realistic;
    private static TcpSegment[]? _segments;

    public static byte[] Realistic => _realistic ??= BuildRealistic();

    /// <summary>The realistic trace's TCP segments, decoded (with checksums verified), in file order.</summary>
    public static TcpSegment[] RealisticSegments => _segments ??= DecodeSegments(Realistic);

    public static IPacketSource Open(byte[] pcap)
    {
        if (!CaptureFile.TryOpen(new MemoryStream(pcap, writable: false), "memory.pcap", out var source, out var error))
            throw new InvalidOperationException(error);
        return source!;
    }

    private static byte[] BuildRealistic()
    {
        var stream = new MemoryStream();
        var random = new SeededRandom(7);
        using (var writer = new TraceWriter(stream, random.Fork()))
        {
            var engine = new TrafficEngine(writer, random, new TrafficMix())
            {
                Concurrency = 5_000,
                RampSeconds = 3,
                UdpShare = TrafficMix.UdpShare,
            };
            engine.Run(RealisticPackets);
        }
        return stream.ToArray();
    }

    private static TcpSegment[] DecodeSegments(byte[] pcap)
    {
        var segments = new List<TcpSegment>(RealisticPackets);
        var decoder = new FrameDecoder();
        var accounting = new FrameAccounting();
        using var source = Open(pcap);
        while (source.TryReadFrame(out var frame))
            if (decoder.Decode(frame, accounting, out var segment) == DecodeOutcome.Tcp)
                segments.Add(segment);
        if (accounting.BadTcpChecksums != 0)
            throw new InvalidOperationException($"{accounting.BadTcpChecksums} generated segments have a bad checksum");
        return [.. segments];
    }
}
