using System.CommandLine;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Explain;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Capture.Files;
using TcpState.Cli.Explain;

namespace TcpState.Cli.Commands;

internal enum LadderFormat
{
    /// <summary>The ladder for a terminal, 80 columns, coloured when stdout is a terminal.</summary>
    Text,
    /// <summary>A Mermaid sequenceDiagram.</summary>
    Mermaid,
}

/// <summary>
/// <c>tcpstate explain FILE [--conn ID]</c>: one connection as a ladder diagram — every packet with relative seq/ack,
/// each side's RFC state as it changes, what was notable — or, without <c>--conn</c>, the list to pick from.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Capture file (pcap or pcapng, optionally gzip-compressed); '-' reads standard input" };
        var connection = new Option<string?>("--conn")
        {
            Description = $"The connection to explain: {ConnectionSelector.Usage}. Without it, the connections are listed",
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "text (default): the ladder for a terminal; mermaid: a Mermaid sequenceDiagram",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "mermaid");
        var all = new Option<bool>("--all", "-a") { Description = "Show every packet: do not fold long data phases" };
        var settings = new AnalysisSettings();

        var command = new Command("explain", "Draw one connection as a ladder diagram: packets, relative seq/ack, both sides' states")
        {
            file, connection, format, all,
        };
        settings.AddTo(command);
        command.SetAction(result => Run(result.GetValue(file)!, result.GetValue(connection),
            result.GetValue(format) == "mermaid" ? LadderFormat.Mermaid : LadderFormat.Text,
            result.GetValue(all), settings.Analysis(result), settings.Decoder(result)));
        return command;
    }

    private static int Run(string file, string? connection, LadderFormat format, bool all, AnalysisOptions analysisOptions,
        DecoderOptions decoderOptions)
    {
        ConnectionSelector? selector = null;
        if (connection is not null && !ConnectionSelector.TryParse(connection, out selector, out var selectorError))
            throw new UserFacingException(selectorError!);
        var input = CaptureInput.Open(file);

        if (selector is null)
        {
            var lister = LadderRecorder.ListAll(analysisOptions);
            var listing = Analyse(input, lister, analysisOptions, decoderOptions);
            listing.Anomalies.ApplyTo(lister.Connections);
            using var stdout = Console.OpenStandardOutput();
            var lines = ConnectionList.Render(lister.Connections).Select(l => new StyledLine().Add(l)).ToList();
            if (lister.Connections.Count > 0)
                lines.Add(new StyledLine().Add($"explain one with: tcpstate explain {file} --conn UID"));
            LadderConsole.Write(lines, stdout, colour: false);
            return listing.Finish();
        }

        var recorder = LadderRecorder.ForSelector(selector, analysisOptions);
        var run = Analyse(input, recorder, analysisOptions, decoderOptions);
        switch (recorder.Matches.Count)
        {
            case 0:
                run.Finish();
                throw new UserFacingException($"no connection matches --conn {selector} in {file} (list them with 'tcpstate explain {file}')");
            case > 1:
            {
                using var stdout = Console.OpenStandardOutput();
                LadderConsole.Write(ConnectionList.Render(recorder.Matches).Select(l => new StyledLine().Add(l)), stdout, colour: false);
                run.Finish();
                throw new UserFacingException($"{recorder.Matches.Count} connections match --conn {selector}: pick one by its uid");
            }
        }

        var match = recorder.Matches[0];
        if (match.Ladder is null)
        {
            // Its roles flipped after it opened, so it matched only by its final uid: record it by id this time.
            recorder = LadderRecorder.ForId(match.Identity.Id, analysisOptions);
            run = Analyse(input, recorder, analysisOptions, decoderOptions);
            match = recorder.Matches.Single();
        }
        run.Anomalies.ApplyTo([match]);
        var ladder = match.Ladder!;
        using (var stdout = Console.OpenStandardOutput())
        {
            if (format == LadderFormat.Mermaid)
                LadderConsole.Write(MermaidLadder.Render(ladder, all).TrimEnd('\n').Split('\n').Select(l => new StyledLine().Add(l)),
                    stdout, colour: false);
            else
                LadderConsole.Write(TextLadder.Render(ladder, all), stdout, LadderConsole.UseColour);
        }
        return run.Finish();
    }

    private static AnalysisRun Analyse(CaptureInput input, LadderRecorder recorder, AnalysisOptions analysisOptions,
        DecoderOptions decoderOptions)
    {
        // The same detectors as `read` and `check`, with their default thresholds: what they raise about a connection
        // shows on its ladder and in the listing.
        var analysis = new CaptureAnalysis(analysisOptions, decoderOptions, new ConnectionStatistics(), new DetectorSettings());
        var anomalies = new AnomalyAnnotations();
        analysis.Anomalies!.AddSink(anomalies);
        analysis.Tracker.AddObserver(recorder);
        using (var source = input.OpenSource())
        {
            analysis.Run(source);
        }
        analysis.Complete();
        recorder.Complete();
        return new AnalysisRun(analysis, anomalies);
    }

    /// <summary>One pass over the input: what it found besides the ladder.</summary>
    private sealed record AnalysisRun(CaptureAnalysis Analysis, AnomalyAnnotations Anomalies)
    {
        /// <summary>Reports input problems (a capture cut short) on stderr; exit 2 if there were any, as <c>read</c> does.</summary>
        public int Finish()
        {
            foreach (var problem in Analysis.InputProblems)
                Diagnostics.Error(problem);
            return Analysis.InputProblems.Count == 0 ? ExitCodes.Ok : ExitCodes.UsageOrInput;
        }
    }

    /// <summary>
    /// The input, openable more than once: a file is reopened; standard input is read into memory first, since one
    /// connection may need a second pass.
    /// </summary>
    private sealed class CaptureInput
    {
        private readonly string _path;
        private readonly byte[]? _buffered;

        private CaptureInput(string path, byte[]? buffered)
        {
            _path = path;
            _buffered = buffered;
        }

        public static CaptureInput Open(string path)
        {
            byte[]? buffered = null;
            if (path == CaptureFile.StandardInputPath)
            {
                using var stdin = Console.OpenStandardInput();
                using var memory = new MemoryStream();
                stdin.CopyTo(memory);
                buffered = memory.ToArray();
            }
            var input = new CaptureInput(path, buffered);
            input.OpenSource().Dispose();
            return input;
        }

        public IPacketSource OpenSource()
        {
            bool opened = _buffered is null
                ? CaptureFile.TryOpen(_path, out var source, out var error)
                : CaptureFile.TryOpen(new MemoryStream(_buffered, writable: false), _path, out source, out error);
            return opened ? source! : throw new UserFacingException(error!);
        }
    }
}
