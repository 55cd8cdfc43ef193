using BenchmarkDotNet.Attributes;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Capture.Decoding;

namespace TcpState.Bench.Micro;

/// <summary>
/// Read → decode → track over the 200,000-packet realistic trace in memory, as <c>tcpstate read</c> does minus process
/// start and output: the in-process ceiling for the whole-process figures of bench/compare. A fresh analysis per
/// operation, so the allocations include growing its tables to the trace's 5,000-odd connections. Per packet.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private byte[] _pcap = [];

    [Params(false, true)]
    public bool Detectors { get; set; }

    [GlobalSetup]
    public void Setup() => _pcap = Traces.Realistic;

    [Benchmark(OperationsPerInvoke = Traces.RealisticPackets)]
    public long ReadDecodeTrack()
    {
        var statistics = new ConnectionStatistics();
        var analysis = new CaptureAnalysis(new AnalysisOptions(), new DecoderOptions(), statistics,
            Detectors ? new DetectorSettings() : null);
        using (var source = Traces.Open(_pcap))
            analysis.Run(source);
        analysis.Complete();
        return statistics.Connections;
    }
}
