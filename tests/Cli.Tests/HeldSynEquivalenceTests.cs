using System.Text;
using TcpState.Analysis;
using TcpState.Capture.Files;
using TcpState.Capture.Decoding;
using TcpState.Cli.Output;

namespace TcpState.Cli.Tests;

/// <summary>
/// Holding an unanswered SYN in the compact tier is a memory optimisation only: every record, transition and anomaly
/// must come out exactly as when each connection gets its full detail from the first packet.
/// </summary>
public class HeldSynEquivalenceTests
{
    public static TheoryData<string> Traces()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repository.Captures, "*.pcap").Order())
            data.Add(Path.GetRelativePath(Repository.Root, file));
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Captures, "anomalies"), "*.pcap").Order())
            data.Add(Path.GetRelativePath(Repository.Root, file));
        var zeekTraces = Path.Combine(Repository.ZeekCorpus, "traces");
        if (Directory.Exists(zeekTraces))
            foreach (var file in Directory.GetFiles(zeekTraces).Order())
                data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void Holding_unanswered_syns_changes_no_output(string trace)
    {
        var path = Path.IsPathRooted(trace) ? trace : Path.Combine(Repository.Root, trace);
        var held = Analyse(path, holdSyns: true);
        var expanded = Analyse(path, holdSyns: false);

        Assert.Equal(expanded, held);
    }

    private static string Analyse(string path, bool holdSyns)
    {
        var output = new MemoryStream();
        Run(path, holdSyns, output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static void Run(string path, bool holdSyns, Stream output)
    {
        Assert.True(CaptureFile.TryOpen(path, out var source, out var error), error);
        using var _ = source!;
        var options = new AnalysisOptions { HoldUnansweredSyns = holdSyns, RecordTransitions = true };
        var statistics = new ConnectionStatistics();
        using var writer = RecordWriter.Create(OutputFormat.Json, output);
        var analysis = new CaptureAnalysis(options, new DecoderOptions(), new FanOutSink(statistics, writer),
            new Analysis.Anomalies.DetectorSettings());
        analysis.Run(source!);
        analysis.Complete();
        writer.End(new RunReport
        {
            Inputs = [path],
            Frames = analysis.Accounting,
            Connections = statistics,
            Tracker = analysis.Tracker,
            Problems = analysis.InputProblems,
            Anomalies = analysis.Anomalies!.BySeverity.ToList(),
            AnomaliesNotListed = analysis.Anomalies.NotListed,
        });
    }
}
