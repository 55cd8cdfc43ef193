using System.CommandLine;
using TcpState.Analysis;
using TcpState.Capture;
using TcpState.Capture.Files;
using TcpState.Capture.Live;
using TcpState.Cli.Output;

namespace TcpState.Cli.Commands;

/// <summary><c>tcpstate read FILE...</c>: offline analysis of pcap/pcapng files (plain or gzip, "-" for stdin).</summary>
internal static class ReadCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Capture files (pcap or pcapng, optionally gzip-compressed); '-' reads standard input",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<OutputFormat>("--format", "-f")
        {
            Description = "summary (default), or one record per connection: table, json, zeek, csv",
            DefaultValueFactory = _ => OutputFormat.Summary,
        };
        var output = new Option<string?>("--output", "-o") { Description = "Write results to this file instead of stdout" };
        var filter = new Option<string?>("--filter")
        {
            Description = "Analyse only the frames this BPF filter accepts (tcpdump syntax, e.g. 'tcp port 443'); needs libpcap",
        };
        var settings = new AnalysisSettings();

        var command = new Command("read", "Analyse capture files: every connection's handshake and teardown, both sides' RFC states")
        {
            files, format, output, filter,
        };
        settings.AddTo(command);
        command.SetAction(result => Run(
            result.GetValue(files)!, result.GetValue(format), result.GetValue(output), result.GetValue(filter),
            settings.Analysis(result) with { RecordTransitions = ShowsTransitions(result.GetValue(format)) },
            settings.Decoder(result)));
        return command;
    }

    /// <summary>Only the one-line-per-connection formats print the transition lists.</summary>
    private static bool ShowsTransitions(OutputFormat format) => format is OutputFormat.Json or OutputFormat.Zeek or OutputFormat.Csv;

    private static int Run(string[] files, OutputFormat format, string? outputPath, string? filterExpression,
        AnalysisOptions analysisOptions, Capture.Decoding.DecoderOptions decoderOptions)
    {
        var sources = new List<IPacketSource>();
        var problems = new List<string>();
        using var filter = filterExpression is null ? null : CompileFilter(filterExpression);
        try
        {
            foreach (var file in files)
            {
                if (CaptureFile.TryOpen(file, out var source, out var error))
                    sources.Add(filter is null ? source! : new FilteredPacketSource(source!, filter));
                else
                    problems.Add(error!);
            }
            if (sources.Count == 0)
            {
                foreach (var problem in problems) Diagnostics.Error(problem);
                return ExitCodes.UsageOrInput;
            }

            using var stream = OpenOutput(outputPath);
            var statistics = new ConnectionStatistics();
            int exitCode;
            using (var writer = RecordWriter.Create(format, stream))
            {
                var analysis = new CaptureAnalysis(analysisOptions, decoderOptions, new FanOutSink(statistics, writer),
                    new Analysis.Anomalies.DetectorSettings());
                writer.Begin();
                bool complete = problems.Count == 0;
                foreach (var source in sources)
                {
                    Diagnostics.Detail($"reading {source.Name}");
                    complete &= analysis.Run(source);
                }
                analysis.Complete();
                problems.AddRange(analysis.InputProblems);
                writer.End(new RunReport
                {
                    Inputs = files,
                    Frames = analysis.Accounting,
                    Connections = statistics,
                    Tracker = analysis.Tracker,
                    Problems = problems,
                    ChecksumsVerified = decoderOptions.VerifyChecksums,
                    Anomalies = analysis.Anomalies!.BySeverity.ToList(),
                    AnomaliesNotListed = analysis.Anomalies.NotListed,
                    DetectorEntriesForgotten = analysis.Anomalies.DetectorEntriesForgotten,
                    Filter = filter is null ? null
                        : new FilterReport(filter.Expression, sources.OfType<FilteredPacketSource>().Sum(s => s.FramesExamined)),
                });
                exitCode = complete ? ExitCodes.Ok : ExitCodes.UsageOrInput;
            }
            foreach (var problem in problems) Diagnostics.Error(problem);
            return exitCode;
        }
        finally
        {
            foreach (var source in sources) source.Dispose();
        }
    }

    private static OfflineFilter CompileFilter(string expression)
    {
        try
        {
            return OfflineFilter.Create(expression);
        }
        catch (CaptureException e)
        {
            throw new UserFacingException(e.Message);
        }
    }

    private static Stream OpenOutput(string? path)
    {
        if (path is null or "-")
            return new BufferedStream(Console.OpenStandardOutput(), 1 << 16);
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"cannot write {path}: {e.Message}");
        }
    }
}
