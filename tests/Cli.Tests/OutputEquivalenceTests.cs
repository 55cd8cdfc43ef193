using System.Text;
using TcpState.Analysis;
using TcpState.Capture.Files;
using TcpState.Capture.Decoding;
using TcpState.Cli.Output;

namespace TcpState.Cli.Tests;

/// <summary>
/// Optimisations that must not show in the output. Every record, transition, anomaly and summary figure must come out
/// the same with them and without: holding an unanswered SYN in the compact tier and parking idle connections packed
/// (memory optimisations), and reading and decoding on a second thread (a speed one).
/// </summary>
public class OutputEquivalenceTests
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
    public void Holding_unanswered_syns_changes_no_output(string trace) =>
        AssertSameOutput(trace, Unoptimised, Unoptimised with { HoldUnansweredSyns = true });

    /// <summary>
    /// Parking at every tick of the clock packs every idle connection it can after each packet and unpacks it at its
    /// next: any field the packing loses or gets wrong shows in some record.
    /// </summary>
    [Theory]
    [MemberData(nameof(Traces))]
    public void Parking_idle_connections_changes_no_output(string trace) =>
        AssertSameOutput(trace, Unoptimised, Unoptimised with { ParkIdleAfterSeconds = 0 });

    /// <summary>
    /// Without transitions kept (as the summary runs), a parked IPv4 connection leaves its slot for the packed pool,
    /// and comes back to a slot at its next packet: the same check over that path.
    /// </summary>
    [Theory]
    [MemberData(nameof(Traces))]
    public void Packing_parked_connections_out_of_their_slots_changes_no_output(string trace)
    {
        var withoutTransitions = Unoptimised with { RecordTransitions = false };
        AssertSameOutput(trace, withoutTransitions, withoutTransitions with { ParkIdleAfterSeconds = 0 });
    }

    /// <summary>
    /// While handshakes pending fill a sixteenth of the table or more, a handshake is packed as soon as its packet is
    /// through (a SYN flood's answered handshakes): in a table of four that is always, so every handshake is, and every
    /// connection is evicted soon after. Records, evictions and their order must be those of the same table without
    /// parking.
    /// </summary>
    [Theory]
    [MemberData(nameof(Traces))]
    public void Packing_handshakes_in_a_full_table_changes_no_output(string trace)
    {
        var smallTable = Unoptimised with { RecordTransitions = false, MaxConnections = 4 };
        AssertSameOutput(trace, smallTable, smallTable with { ParkIdleAfterSeconds = 0 });
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void Reading_on_a_second_thread_changes_no_output(string trace) =>
        AssertSameOutput(trace, Defaults, Defaults, readOnSecondThread: true);

    /// <summary>The trace's whole output with <paramref name="optimised"/> equals its output with <paramref name="plain"/> on one thread.</summary>
    private static void AssertSameOutput(string trace, AnalysisOptions plain, AnalysisOptions optimised, bool readOnSecondThread = false)
    {
        var path = Path.IsPathRooted(trace) ? trace : Path.Combine(Repository.Root, trace);
        Assert.Equal(Analyse(path, plain), Analyse(path, optimised, readOnSecondThread));
    }

    /// <summary>A capture cut short inside a record: the same connections before the cut, the same one-line problem.</summary>
    [Fact]
    public void Reading_on_a_second_thread_keeps_what_came_before_a_truncation()
    {
        var whole = File.ReadAllBytes(Path.Combine(Repository.Captures, "bulk-transfer.pcap"));
        var path = Path.Combine(Path.GetTempPath(), $"tcpstate-truncated-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, whole.AsSpan(0, whole.Length * 2 / 3).ToArray());
        try
        {
            var oneThread = Analyse(path, Defaults);
            var twoThreads = Analyse(path, Defaults, readOnSecondThread: true);

            Assert.Contains("\"errors\":[\"", oneThread);
            Assert.Contains("\"record\":\"connection\"", oneThread);
            Assert.Equal(oneThread, twoThreads);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>As `read --format json` runs: every optimisation on, transitions kept.</summary>
    private static readonly AnalysisOptions Defaults = new() { RecordTransitions = true };

    /// <summary>Every connection kept in full all the time.</summary>
    private static readonly AnalysisOptions Unoptimised = Defaults with { HoldUnansweredSyns = false, ParkIdleAfterSeconds = null };

    private static string Analyse(string path, AnalysisOptions options, bool readOnSecondThread = false)
    {
        var output = new MemoryStream();
        Run(path, options, readOnSecondThread, output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static void Run(string path, AnalysisOptions options, bool readOnSecondThread, Stream output)
    {
        Assert.True(CaptureFile.TryOpen(path, out var source, out var error), error);
        using var _ = source!;
        var statistics = new ConnectionStatistics();
        using var writer = RecordWriter.Create(OutputFormat.Json, output);
        var analysis = new CaptureAnalysis(options, new DecoderOptions(), new FanOutSink(statistics, writer),
            new Analysis.Anomalies.DetectorSettings()) { ReadOnSecondThread = readOnSecondThread };
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
