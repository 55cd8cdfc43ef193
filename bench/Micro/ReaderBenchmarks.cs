using BenchmarkDotNet.Attributes;

namespace TcpState.Bench.Micro;

/// <summary>The pcap reader alone: every record of a 200,000-packet realistic trace, from memory. Per packet.</summary>
[MemoryDiagnoser]
public class ReaderBenchmarks
{
    private byte[] _pcap = [];

    [GlobalSetup]
    public void Setup() => _pcap = Traces.Realistic;

    [Benchmark(OperationsPerInvoke = Traces.RealisticPackets)]
    public long ReadPcapRecord()
    {
        long bytes = 0;
        using var source = Traces.Open(_pcap);
        while (source.TryReadFrame(out var frame))
            bytes += frame.Data.Length;
        return bytes;
    }
}
