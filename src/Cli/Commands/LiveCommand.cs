using System.CommandLine;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Live;
using TcpState.Capture.Decoding;
using TcpState.Capture.Files;
using TcpState.Capture.Live;
using TcpState.Cli.Live;
using TcpState.Cli.Output;

namespace TcpState.Cli.Commands;

/// <summary>
/// <c>tcpstate live -i IFACE</c>: the analysis on a live interface — a dashboard on a terminal, JSON lines otherwise.
/// </summary>
internal static class LiveCommand
{
    private enum LiveFormat
    {
        /// <summary>The dashboard when stdout is a terminal, JSON lines otherwise.</summary>
        Auto,
        Dashboard,
        Json,
    }

    public static Command Create()
    {
        var device = new Option<string?>("--interface", "-i")
        {
            Description = "Interface to capture on (see 'tcpstate interfaces'); default: the first one libpcap lists, as tcpdump",
        };
        var filter = new Option<string?>("--filter")
        {
            Description = "BPF filter, as tcpdump takes it (e.g. 'tcp port 443'); the kernel applies it before copying",
        };
        var filterWords = new Argument<string[]>("expression")
        {
            Description = "The BPF filter may also follow the options, as with tcpdump",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var snaplen = new Option<int>("--snaplen", "-s")
        {
            Description = "Snapshot length: bytes kept of each packet (0 = the default, 262144)",
            DefaultValueFactory = _ => LiveCaptureOptions.DefaultSnapshotLength,
        };
        var promisc = new Option<bool>("--promisc") { Description = "Put the interface in promiscuous mode" };
        var bufferSize = new Option<int?>("--buffer-size", "-B")
        {
            Description = "Kernel capture buffer in KiB, as tcpdump's -B (default 131072: 128 MiB, as Zeek's)",
        };
        var write = new Option<string?>("--write", "-w") { Description = "Also save the captured packets to this pcap file" };
        var count = new Option<long?>("--count", "-c") { Description = "Stop after this many packets" };
        var duration = new Option<string?>("--duration")
        {
            Description = "Stop after this long: seconds, or with a unit (500ms, 30s, 5m, 2h)",
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "auto (default: the dashboard on a terminal, JSON lines otherwise), dashboard or json",
            DefaultValueFactory = _ => "auto",
        };
        format.AcceptOnlyFromAmong("auto", "dashboard", "json");
        var events = new Option<string[]>("--events")
        {
            Description = "Extra JSON events: 'transitions' writes each RFC state change as it happens",
            AllowMultipleArgumentsPerToken = true,
        };
        events.AcceptOnlyFromAmong("transitions");
        var statsInterval = new Option<double>("--stats-interval")
        {
            Description = "Seconds between JSON 'stats' lines",
            DefaultValueFactory = _ => 5,
        };
        var verifyChecksums = new Option<bool>("--verify-checksums")
        {
            Description = "Verify TCP checksums (off by default live: packets this host sends are captured before the NIC fills the checksum in)",
        };
        var immediate = new Option<bool>("--immediate")
        {
            Description = "libpcap immediate mode: each packet handed over at once instead of within 100 ms (needs a bigger buffer)",
        };
        var normalPriority = new Option<bool>("--no-realtime")
        {
            Description = "Keep the capture loop at normal priority (by default, as root, it runs at the lowest real-time priority so a saturated CPU cannot starve it)",
        };
        var dropPrivileges = new Option<string?>("--drop-privileges", "-Z")
        {
            Description = "Once the interface is open, run as this user (as tcpdump's -Z): the -w file is then created as that user",
        };
        var settings = new AnalysisSettings();

        var command = new Command("live", "Analyse live traffic: a dashboard of connection states, rates and alerts, or JSON lines")
        {
            device, filter, filterWords, snaplen, promisc, bufferSize, write, count, duration, format, events, statsInterval,
            verifyChecksums, immediate, normalPriority, dropPrivileges, settings.TimeWait, settings.IdleTimeout, settings.MaxConnections,
        };
        command.SetAction(result =>
        {
            string? expression = result.GetValue(filter);
            var words = result.GetValue(filterWords) ?? [];
            if (words.Length > 0)
            {
                if (expression is not null)
                    throw new UserFacingException("give the filter either with --filter or after the options, not both");
                expression = string.Join(' ', words);
            }
            int snapshotLength = result.GetValue(snaplen);
            if (snapshotLength == 0) snapshotLength = LiveCaptureOptions.DefaultSnapshotLength;
            if (snapshotLength is < 0 or > LiveCaptureOptions.DefaultSnapshotLength)
                throw new UserFacingException($"--snaplen must be between 1 and {LiveCaptureOptions.DefaultSnapshotLength} (0 for the default)");
            int? bufferKiB = result.GetValue(bufferSize);
            if (bufferKiB is <= 0 or > int.MaxValue / 1024)
                throw new UserFacingException("--buffer-size must be a positive number of KiB");
            long? packets = result.GetValue(count);
            if (packets is <= 0)
                throw new UserFacingException("--count must be at least 1");
            double interval = result.GetValue(statsInterval);
            if (interval <= 0)
                throw new UserFacingException("--stats-interval must be more than zero seconds");
            var user = result.GetValue(dropPrivileges) is { } name ? PrivilegeDrop.Resolve(name) : null;

            var request = new LiveRequest
            {
                Capture = new LiveCaptureOptions
                {
                    Device = result.GetValue(device) ?? DefaultDevice(),
                    Filter = expression,
                    SnapshotLength = snapshotLength,
                    Promiscuous = result.GetValue(promisc),
                    BufferSizeBytes = bufferKiB * 1024 ?? LiveCaptureOptions.DefaultBufferSizeBytes,
                    ImmediateMode = result.GetValue(immediate),
                },
                WritePath = result.GetValue(write),
                User = user,
                Limits = new LiveLimits
                {
                    PacketCount = packets, Duration = ParseDuration(result.GetValue(duration)),
                    RealtimePriority = !result.GetValue(normalPriority),
                },
                Format = Enum.Parse<LiveFormat>(result.GetValue(format)!, ignoreCase: true),
                Transitions = (result.GetValue(events) ?? []).Contains("transitions"),
                StatsInterval = TimeSpan.FromSeconds(interval),
                Analysis = settings.Analysis(result),
                Decoder = new DecoderOptions { VerifyChecksums = result.GetValue(verifyChecksums) },
            };
            return Run(request);
        });
        return command;
    }

    private sealed record LiveRequest
    {
        public required LiveCaptureOptions Capture { get; init; }
        public string? WritePath { get; init; }
        public PrivilegeDrop.User? User { get; init; }
        public required LiveLimits Limits { get; init; }
        public required LiveFormat Format { get; init; }
        public bool Transitions { get; init; }
        public required TimeSpan StatsInterval { get; init; }
        public required AnalysisOptions Analysis { get; init; }
        public required DecoderOptions Decoder { get; init; }
    }

    private static int Run(LiveRequest request)
    {
        bool dashboard = request.Format switch
        {
            LiveFormat.Dashboard when Console.IsOutputRedirected =>
                throw new UserFacingException("the dashboard needs a terminal on stdout; use --format json to stream JSON lines"),
            LiveFormat.Dashboard when request.Transitions =>
                throw new UserFacingException("--events adds JSON lines; use it with --format json (or auto), not the dashboard"),
            LiveFormat.Dashboard => true,
            LiveFormat.Json => false,
            // Asking for events means asking for the JSON stream, terminal or not.
            _ => !Console.IsOutputRedirected && !request.Transitions,
        };
        if (request.WritePath == "-")
            throw new UserFacingException("-w - would mix the pcap with the results on stdout; give a file name");

        if (dashboard)
            Dashboard.WarmUp(request.Capture.Device, Capture.LinkType.Ethernet);
        using var source = Open(request.Capture);
        // As tcpdump: the device is open and filtered, so root is no longer needed — not even for the -w file.
        if (request.User is not null)
            PrivilegeDrop.SwitchTo(request.User);
        using var pcap = request.WritePath is null ? null : CreatePcap(request.WritePath, source, request.User);
        var statistics = new ConnectionStatistics();
        var census = new ConnectionCensus();
        using var stdout = new BufferedStream(Console.OpenStandardOutput(), 1 << 16);
        using var json = dashboard ? null : new LiveJsonOutput(stdout);
        var screen = dashboard ? new Dashboard() : null;
        ILiveOutput output = (ILiveOutput?)json ?? screen!;

        // The dashboard shows counts and ages, never a connection's transition list: don't keep them.
        var analysisOptions = request.Analysis with { RecordTransitions = !dashboard };
        var analysis = new CaptureAnalysis(analysisOptions, request.Decoder, new FanOutSink(statistics, output), new DetectorSettings());
        analysis.Tracker.AddObserver(census);
        if (request.Transitions && json is not null)
            analysis.Tracker.AddObserver(json);
        var session = new LiveSession(source, analysis, census, output,
            request.Limits with { StatusInterval = dashboard ? TimeSpan.FromSeconds(1) : request.StatsInterval },
            request.Capture.ReadTimeout, pcap);
        analysis.Anomalies!.AddSink(session.Anomalies);

        StopReason reason;
        using (StopOnSignals(session))
        {
            // "listening on" is the moment a script may start traffic or send SIGINT: the handlers are in place by then.
            Diagnostics.Info($"listening on {source.Device}, link-type {CaptureMessages.LinkTypeName(source.LinkType)}, " +
                             $"snapshot length {source.SnapshotLength} bytes" +
                             (source.Filter is null ? "" : $", filter '{source.Filter}'"));
            foreach (var warning in source.Warnings)
                Diagnostics.Warning(warning);
            reason = dashboard ? RunWithDashboard(session, screen!, source.Device) : session.Run();
        }

        var problems = new List<string>();
        if (reason == StopReason.CaptureError && source.ErrorMessage is not null)
            problems.Add(source.ErrorMessage);
        if (pcap?.Error is { } writeError)
            problems.Add($"{writeError}; {(reason == StopReason.WriteError ? "capture stopped, " : "")}the file keeps the first {pcap.FramesWritten} packets");
        var report = Report(request, source, analysis, statistics, session, reason, pcap, problems);
        if (json is not null)
            json.End(report);
        else
            stdout.Write(Encoding.UTF8.GetBytes(SummaryText.Render(report)));
        stdout.Flush();
        foreach (var problem in problems)
            Diagnostics.Error(problem);
        return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.UsageOrInput;
    }

    private static RunReport Report(LiveRequest request, LivePacketSource source, CaptureAnalysis analysis,
        ConnectionStatistics statistics, LiveSession session, StopReason reason, LiveCaptureFile? pcap, List<string> problems) => new()
    {
        Inputs = [source.Device],
        Frames = analysis.Accounting,
        Connections = statistics,
        Tracker = analysis.Tracker,
        Problems = problems,
        ChecksumsVerified = request.Decoder.VerifyChecksums,
        Anomalies = analysis.Anomalies!.BySeverity.ToList(),
        AnomaliesNotListed = analysis.Anomalies.NotListed,
        DetectorEntriesForgotten = analysis.Anomalies.DetectorEntriesForgotten,
        Capture = new LiveCaptureReport
        {
            Device = source.Device,
            Filter = source.Filter,
            LinkType = source.LinkType,
            SnapshotLength = source.SnapshotLength,
            Statistics = session.FinalStatistics,
            Seconds = session.ElapsedSeconds,
            StopReason = StopReasonName(reason),
            WritePath = request.WritePath,
            FramesWritten = pcap?.FramesWritten ?? 0,
        },
    };

    private static LivePacketSource Open(LiveCaptureOptions options)
    {
        try
        {
            return LivePacketSource.Open(options);
        }
        catch (CaptureException e)
        {
            // Without privilege libpcap cannot even tell whether the device exists: check the list, which needs none.
            if (e.Error == CaptureError.PermissionDenied && !DeviceExists(options.Device))
                throw new UserFacingException(CaptureMessages.UnknownDevice(options.Device, ""));
            throw new UserFacingException(CaptureMessages.Describe(e, options.Device));
        }
    }

    private static bool DeviceExists(string device)
    {
        try
        {
            return CaptureDevices.List().Any(d => d.Name == device);
        }
        catch (CaptureException)
        {
            return true;
        }
    }

    private static string DefaultDevice()
    {
        try
        {
            // libpcap lists devices that are up and running first and loopback last, so this is tcpdump's choice too.
            return CaptureDevices.List().FirstOrDefault()?.Name
                   ?? throw new UserFacingException("no capture interfaces found (see 'tcpstate interfaces')");
        }
        catch (CaptureException e)
        {
            throw new UserFacingException(CaptureMessages.Describe(e, device: null));
        }
    }

    private static LiveCaptureFile CreatePcap(string path, LivePacketSource source, PrivilegeDrop.User? user)
    {
        try
        {
            // Nanosecond files when the kernel gives nanoseconds, so reading the file back gives the very same times.
            return LiveCaptureFile.Create(path, source.LinkType, source.SnapshotLength,
                source.NanosecondTimestamps ? PcapTimestampPrecision.Nanoseconds : PcapTimestampPrecision.Microseconds);
        }
        catch (UserFacingException e) when (user is not null)
        {
            throw new UserFacingException($"{e.Message} (as user '{user.Name}', after --drop-privileges)");
        }
    }

    /// <summary>
    /// Ctrl+C (SIGINT) and SIGTERM end the capture cleanly: the tracker settles, the summary is written and the -w file
    /// is closed. A second signal while that runs ends the process at once.
    /// </summary>
    private static IDisposable StopOnSignals(LiveSession session)
    {
        int received = 0;
        void Handle(PosixSignalContext context)
        {
            if (Interlocked.Increment(ref received) > 1)
                return;
            context.Cancel = true;
            session.RequestStop(StopReason.Interrupt);
        }
        var registrations = new[]
        {
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        };
        return new Registrations(registrations);
    }

    private sealed class Registrations(PosixSignalRegistration[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
                registration.Dispose();
        }
    }

    /// <summary>Capture and analysis on their own thread; the dashboard on this one until the capture ends.</summary>
    private static StopReason RunWithDashboard(LiveSession session, Dashboard screen, string device)
    {
        using var ended = new ManualResetEvent(false);
        StopReason reason = StopReason.CaptureError;
        ExceptionDispatchInfo? failure = null;
        var capture = new Thread(() =>
        {
            try
            {
                reason = session.Run();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                ended.Set();
            }
        })
        {
            Name = "capture",
            IsBackground = true,
        };
        capture.Start();
        try
        {
            screen.Run(device, ended, () => session.RequestStop(StopReason.Quit));
        }
        finally
        {
            // However the dashboard ended, the capture stops and finishes before the summary.
            session.RequestStop(StopReason.Quit);
            capture.Join();
        }
        failure?.Throw();
        return reason;
    }

    private static string StopReasonName(StopReason reason) => reason switch
    {
        StopReason.Interrupt => "interrupt",
        StopReason.Quit => "quit",
        StopReason.PacketCount => "packet_count",
        StopReason.Duration => "duration",
        StopReason.WriteError => "write_error",
        _ => "capture_error",
    };

    /// <summary>"30" or "30s", "500ms", "5m", "2h".</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        if (text is null)
            return null;
        text = text.Trim();
        (string number, double unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1.0),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60.0),
            _ when text.EndsWith('h') || text.EndsWith('H') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0 || !double.IsFinite(value))
            throw new UserFacingException($"--duration '{text}' is not a time: give seconds, or a number with ms, s, m or h");
        return TimeSpan.FromSeconds(value * unit);
    }
}
