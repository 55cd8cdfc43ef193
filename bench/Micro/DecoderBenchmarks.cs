using BenchmarkDotNet.Attributes;
using TcpState.Bench.Generator;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Bench.Micro;

/// <summary>What the frames look like: one header layout repeated, or the realistic trace's mix in file order.</summary>
public enum FrameShape
{
    /// <summary>Ethernet, IPv4, TCP with timestamps, no payload: a pure ACK.</summary>
    Ipv4Ack,
    /// <summary>Ethernet, IPv4, TCP, 1,448 bytes of payload (the checksum covers all of it).</summary>
    Ipv4FullSegment,
    Ipv6FullSegment,
    /// <summary>Ethernet, 802.1Q tag, IPv4, TCP, 1,448 bytes.</summary>
    VlanIpv4FullSegment,
    /// <summary>The first 65,536 frames of the realistic trace: all kinds, 5% UDP to skip.</summary>
    RealisticMix,
}

/// <summary>The frame decoder, Ethernet down to the TCP segment, checksums verified (the default). Per frame.</summary>
[MemoryDiagnoser]
public class DecoderBenchmarks
{
    /// <summary>Frames per operation: the mix is this many distinct frames; a fixed shape cycles through 256 of its own.</summary>
    private const int FramesPerOperation = 65_536;
    private byte[][] _frames = [];
    private long[] _times = [];
    private readonly FrameDecoder _decoder = new();
    private readonly FrameAccounting _accounting = new();

    [Params(FrameShape.Ipv4Ack, FrameShape.Ipv4FullSegment, FrameShape.Ipv6FullSegment, FrameShape.VlanIpv4FullSegment, FrameShape.RealisticMix)]
    public FrameShape Shape { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _frames = Shape == FrameShape.RealisticMix ? FirstFrames(FramesPerOperation) : Repeated(Shape, 256);
        _times = new long[FramesPerOperation];
        for (int i = 0; i < _times.Length; i++)
            _times[i] = 1_772_442_000_000_000_000L + i * 1000L;
    }

    [Benchmark(OperationsPerInvoke = FramesPerOperation)]
    public int Decode()
    {
        int tcp = 0;
        var frames = _frames;
        for (int i = 0; i < FramesPerOperation; i++)
        {
            var data = frames[i % frames.Length];
            var frame = new Frame(data, data.Length, new PacketTime(_times[i]), LinkType.Ethernet);
            if (_decoder.Decode(frame, _accounting, out var segment) == DecodeOutcome.Tcp)
                tcp += segment.PayloadLength;
        }
        return tcp;
    }

    private static byte[][] Repeated(FrameShape shape, int count)
    {
        var builder = new FrameBuilder(new SeededRandom(3));
        var frames = new byte[count][];
        bool ipv6 = shape == FrameShape.Ipv6FullSegment;
        int payload = shape == FrameShape.Ipv4Ack ? 0 : ipv6 ? 1428 : 1448;
        for (int i = 0; i < count; i++)
        {
            var path = new FlowPath
            {
                Client = ipv6 ? new IpAddress(0x2001_0db8_1000_0000UL, (ulong)i + 1) : IpAddress.FromIpv4(0x6440_0000u + (uint)i),
                Server = ipv6 ? new IpAddress(0x2001_0db8_0020_0000UL, 1) : IpAddress.FromIpv4(0x0A14_0001u),
                ClientPort = (ushort)(40_000 + i),
                ServerPort = 443,
                VlanId = shape == FrameShape.VlanIpv4FullSegment ? (ushort)100 : (ushort)0,
                ClientTtl = 60,
            };
            var options = new TcpOptionValues { TsValue = (uint)i, TsEcho = (uint)i };
            frames[i] = builder.Tcp(path, fromClient: payload == 0, (uint)(i * 7919), (uint)(i * 104729), TcpFlags.Ack,
                502, TcpOptionLayout.Timestamps, options, payload, (ushort)i).ToArray();
        }
        return frames;
    }

    private static byte[][] FirstFrames(int count)
    {
        var frames = new List<byte[]>(count);
        using var source = Traces.Open(Traces.Realistic);
        while (frames.Count < count && source.TryReadFrame(out var frame))
            frames.Add(frame.Data.ToArray());
        return [.. frames];
    }
}
