using System.Globalization;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Zeek;
using TcpState.Capture.Decoding;

namespace TcpState.Fuzzing;

/// <summary>
/// The settings one run of the pipeline uses. The fuzzer varies them per input so that the bounds are reached: a tiny
/// connection table evicts, a tiny read buffer makes every record cross a chunk edge, -C and tunnels off change paths.
/// </summary>
/// <param name="Output">An output format the records and summary are also written in (to nowhere), or none.</param>
/// <param name="KeepTransitions">As json, zeek and csv run; without (the summary, check) idle IPv4 connections are packed out of their slots.</param>
/// <param name="ParkEveryTick">Parks every idle connection after every packet, so packing and unpacking meet every input.</param>
internal sealed record PipelineSettings(bool VerifyChecksums, bool DecodeTunnels, int MaxConnections, int BufferSize, bool BuildRecords,
    Cli.Output.OutputFormat? Output, bool KeepTransitions = true, bool ParkEveryTick = false)
{
    /// <summary>What <c>tcpstate read</c> uses, so in-process and whole-process runs of an input can be compared.</summary>
    public static PipelineSettings Default { get; } =
        new(true, true, new AnalysisOptions().MaxConnections, Capture.Files.CaptureReadBuffer.DefaultSize, true, null);

    public static PipelineSettings Draw(Random random) => random.Next(4) == 0
        ? Default
        : new PipelineSettings(
            VerifyChecksums: random.Next(4) != 0,
            DecodeTunnels: random.Next(8) != 0,
            MaxConnections: random.Next(3) switch { 0 => 1, 1 => random.Next(2, 64), _ => new AnalysisOptions().MaxConnections },
            BufferSize: random.Next(3) switch { 0 => 16, 1 => random.Next(16, 4096), _ => Capture.Files.CaptureReadBuffer.DefaultSize },
            BuildRecords: random.Next(2) == 0,
            Output: random.Next(3) == 0 ? Enum.GetValues<Cli.Output.OutputFormat>()[random.Next(Enum.GetValues<Cli.Output.OutputFormat>().Length)] : null,
            KeepTransitions: random.Next(2) == 0,
            ParkEveryTick: random.Next(3) == 0);

    public AnalysisOptions Analysis => new()
    {
        MaxConnections = MaxConnections,
        RecordTransitions = KeepTransitions,
        ParkIdleAfterSeconds = ParkEveryTick ? 0 : new AnalysisOptions().ParkIdleAfterSeconds,
    };

    /// <summary>The options that make <c>minimise</c> run an input with these settings.</summary>
    public string MinimiseArguments()
    {
        var arguments = new System.Text.StringBuilder();
        if (MaxConnections != Default.MaxConnections) arguments.Append(CultureInfo.InvariantCulture, $" --max-connections {MaxConnections}");
        if (BufferSize != Default.BufferSize) arguments.Append(CultureInfo.InvariantCulture, $" --buffer-size {BufferSize}");
        if (!VerifyChecksums) arguments.Append(" -C");
        if (!DecodeTunnels) arguments.Append(" --no-tunnels");
        if (!BuildRecords) arguments.Append(" --no-records");
        if (Output is { } format) arguments.Append(CultureInfo.InvariantCulture, $" --write {format}");
        if (!KeepTransitions) arguments.Append(" --no-transitions");
        if (ParkEveryTick) arguments.Append(" --park-every-tick");
        return arguments.ToString();
    }

    public DecoderOptions Decoder => new() { VerifyChecksums = VerifyChecksums, DecodeTunnels = DecodeTunnels };
}

/// <summary>
/// Receives finished connections and checks each one's per-connection bounds: transitions within
/// <see cref="TransitionLog.MaxPerConnection"/>, history within <see cref="ZeekHistory.Capacity"/>; optionally builds
/// the full record as the output writers do.
/// </summary>
internal sealed class CheckingSink(string target, bool buildRecords, List<Finding> findings) : IConnectionSink
{
    public long Connections { get; private set; }

    public void OnConnection(in ConnectionView connection)
    {
        Connections++;
        if (connection.History.Length > ZeekHistory.Capacity)
            findings.Add(Finding.Broken(target, "history-bounded", $"history of {connection.History.Length} letters"));
        if (!buildRecords)
            return;
        var record = connection.ToRecord();
        int transitions = record.OriginatorTransitions.Count + record.ResponderTransitions.Count;
        if (transitions > TransitionLog.MaxPerConnection)
            findings.Add(Finding.Broken(target, "transitions-bounded", $"{transitions} transitions on one connection"));
    }
}

/// <summary>The invariants every run of the pipeline must keep, whatever the input.</summary>
internal static class PipelineChecks
{
    /// <summary>Each frame has exactly one outcome, and the decoder's figures are possible for the frame.</summary>
    /// <param name="fragment">
    /// The frame was an IP fragment: a datagram inside a first fragment may claim to continue into later fragments
    /// (a fragmented tunnel packet), so its payload can be longer than the frame.
    /// </param>
    public static void Decoded(string target, DecodeOutcome outcome, in TcpSegment segment, int capturedLength, int originalLength,
        bool fragment, List<Finding> findings)
    {
        if (outcome == DecodeOutcome.Tcp)
        {
            if (segment.IpVersion is not (4 or 6))
                findings.Add(Finding.Broken(target, "tcp-segment-sane", $"IP version {segment.IpVersion}"));
            if (segment.CapturedPayloadLength < 0 || segment.CapturedPayloadLength > segment.PayloadLength)
                findings.Add(Finding.Broken(target, "tcp-segment-sane",
                    $"captured payload {segment.CapturedPayloadLength} of {segment.PayloadLength}"));
            if (segment.CapturedPayloadLength > capturedLength || (!fragment && segment.PayloadLength > Math.Max(capturedLength, originalLength)))
                findings.Add(Finding.Broken(target, "tcp-segment-sane",
                    $"payload {segment.PayloadLength} (captured {segment.CapturedPayloadLength}) in a frame of {capturedLength} captured, {originalLength} on the wire"));
            if (segment.TunnelDepth > DecoderLimits.MaxTunnelDepth)
                findings.Add(Finding.Broken(target, "tcp-segment-sane", $"tunnel depth {segment.TunnelDepth}"));
            if (segment.CapturedPayloadLength < segment.PayloadLength && segment.Checksum != ChecksumStatus.NotVerified)
                findings.Add(Finding.Broken(target, "tcp-segment-sane", "checksum judged on a payload the capture cut"));
        }
        else if (!segment.Equals(default(TcpSegment)))
        {
            findings.Add(Finding.Broken(target, "decoder-outcome", $"{outcome} left the segment filled in"));
        }
    }

    public static void Accounting(string target, FrameAccounting accounting, long framesHandedOut, List<Finding> findings)
    {
        if (!accounting.AddsUp)
            findings.Add(Finding.Broken(target, "accounting-adds-up", Describe(accounting)));
        if (accounting.FramesRead != framesHandedOut)
            findings.Add(Finding.Broken(target, "accounting-adds-up",
                $"{framesHandedOut} frames read but {accounting.FramesRead} accounted: {Describe(accounting)}"));
        for (var reason = MalformedReason.None + 1; reason <= Enum.GetValues<MalformedReason>().Max(); reason++)
            if (accounting.MalformedBecause(reason) < 0)
                findings.Add(Finding.Broken(target, "accounting-adds-up", $"negative count for {reason}"));
    }

    /// <summary>After <see cref="ConnectionTracker.Finish"/>: the table stayed within its cap and is empty.</summary>
    public static void Tracker(string target, ConnectionTracker tracker, FrameAccounting accounting, long sunk, List<Finding> findings)
    {
        if (tracker.PeakConnections > tracker.Options.MaxConnections)
            findings.Add(Finding.Broken(target, "connection-table-capped",
                $"peak {tracker.PeakConnections} connections with a cap of {tracker.Options.MaxConnections}"));
        if (tracker.ActiveConnections != 0)
            findings.Add(Finding.Broken(target, "tracker-drained", $"{tracker.ActiveConnections} connections left after the end"));
        if (tracker.SegmentsProcessed != accounting.Tcp)
            findings.Add(Finding.Broken(target, "tracker-saw-every-segment",
                $"{accounting.Tcp} TCP frames, {tracker.SegmentsProcessed} segments processed"));
        if (sunk != tracker.ConnectionsCreated)
            findings.Add(Finding.Broken(target, "every-connection-written",
                $"{tracker.ConnectionsCreated} connections created, {sunk} written"));
    }

    public static void Anomalies(string target, AnomalyEngine engine, List<Finding> findings)
    {
        int listed = engine.Anomalies.Count;
        if (listed > DetectorLimits.MaxListedPerKind * AnomalyCatalogue.All.Count)
            findings.Add(Finding.Broken(target, "anomalies-bounded", $"{listed} anomalies listed"));
        foreach (var anomaly in engine.Anomalies)
        {
            if (anomaly.Evidence.Count > Anomaly.MaxEvidence)
                findings.Add(Finding.Broken(target, "evidence-bounded", $"{anomaly.Id} lists {anomaly.Evidence.Count} connections"));
            if (anomaly.Message.Contains('\n', StringComparison.Ordinal) || anomaly.Count < 0)
                findings.Add(Finding.Broken(target, "anomaly-sane", $"{anomaly.Id}: count {anomaly.Count}, message {anomaly.Message}"));
        }
    }

    public static string Describe(FrameAccounting a) =>
        $"read {a.FramesRead}, tcp {a.Tcp}, other {a.OtherProtocol}, non-first fragments {a.NonFirstFragments}, " +
        $"truncated {a.TruncatedBySnaplen}, malformed {a.Malformed}, unsupported link {a.UnsupportedLinkType}";
}
