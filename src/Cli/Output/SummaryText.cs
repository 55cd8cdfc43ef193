using System.Globalization;
using System.Text;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Zeek;
using TcpState.Capture.Decoding;

namespace TcpState.Cli.Output;

/// <summary>The readable summary: every frame accounted for, connections, each side's final state, conn_state.</summary>
internal sealed class SummaryTextWriter(Stream output) : RecordWriter
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(false), leaveOpen: true);

    public override void OnConnection(in ConnectionView connection) { }

    public override void End(RunReport report) => _writer.Write(SummaryText.Render(report));

    public override void Dispose() => _writer.Flush();
}

internal static class SummaryText
{
    public static string Render(RunReport report)
    {
        var text = new StringBuilder();
        var frames = report.Frames;
        text.AppendLine(report.Inputs.Count == 1 ? $"Input        {report.Inputs[0]}" : $"Inputs       {string.Join(", ", report.Inputs)}");
        if (report.Filter is { } filter)
            text.AppendLine($"Filter       {filter.Expression}");
        text.AppendLine();
        text.AppendLine(report.Filter is { } filtered
            ? $"Frames       {N(frames.FramesRead)} matched the filter of {N(filtered.FramesExamined)} read"
            : $"Frames       {N(frames.FramesRead)} read");
        Line(text, frames.Tcp, "TCP");
        Line(text, frames.OtherProtocol, "other protocol (skipped)");
        Line(text, frames.NonFirstFragments, "non-first IP fragment (skipped)");
        Line(text, frames.TruncatedBySnaplen, "truncated by snaplen before the TCP header");
        Line(text, frames.Malformed, "malformed");
        foreach (var reason in Enum.GetValues<MalformedReason>())
            if (reason != MalformedReason.None && frames.MalformedBecause(reason) > 0)
                text.AppendLine($"               {N(frames.MalformedBecause(reason)),12}    {ReasonName(reason)}");
        Line(text, frames.UnsupportedLinkType, "unsupported link type");
        var notes = new List<string>();
        if (frames.BadTcpChecksums > 0) notes.Add($"{N(frames.BadTcpChecksums)} TCP segments with a bad checksum were ignored");
        else if (!report.ChecksumsVerified)
            notes.Add(report.Capture is null ? "TCP checksums not verified (-C)" : "TCP checksums not verified (--verify-checksums checks them)");
        if (frames.IpFragments > 0) notes.Add($"{N(frames.IpFragments)} IP fragments");
        if (frames.TcpPayloadTruncated > 0) notes.Add($"{N(frames.TcpPayloadTruncated)} TCP payloads cut by snaplen");
        if (frames.Tunneled > 0) notes.Add($"{N(frames.Tunneled)} TCP segments inside tunnels");
        foreach (var note in notes)
            text.AppendLine($"             ({note})");
        text.AppendLine();
        if (report.Capture is { } capture)
            AppendCapture(text, capture);

        var stats = report.Connections;
        var tracker = report.Tracker;
        text.Append($"Connections  {N(stats.Connections)}");
        text.Append($"   (at most {N(tracker.PeakConnections)} tracked at once");
        long evicted = tracker.ConnectionsFinished(FinishReason.Evicted);
        if (evicted > 0) text.Append($"; {N(evicted)} evicted from the full table");
        text.AppendLine(")");

        if (stats.Connections > 0)
        {
            text.AppendLine();
            text.AppendLine($"Final RFC state          {"originator",10}  {"responder",10}");
            foreach (var state in Enum.GetValues<RfcState>())
            {
                long o = stats.OriginatorsIn(state), r = stats.RespondersIn(state);
                if (o + r > 0)
                    text.AppendLine($"  {state.ToRfcName(),-22} {N(o),10}  {N(r),10}");
            }
            text.AppendLine();
            text.AppendLine("conn_state (Zeek)");
            foreach (var state in Enum.GetValues<ConnState>())
                if (stats.WithConnState(state) > 0)
                    text.AppendLine($"  {state,-7}{N(stats.WithConnState(state)),10}   {Describe(state)}");
            var flagged = stats.Flags.Where(f => stats.WithFlag(f) > 0).ToList();
            if (flagged.Count > 0)
            {
                text.AppendLine();
                text.AppendLine("Flags");
                foreach (var flag in flagged)
                    text.AppendLine($"  {RecordFields.FlagName(flag),-22}{N(stats.WithFlag(flag)),10}");
            }
        }

        if (report.Anomalies.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"Anomalies    {report.Anomalies.Count}, most severe first");
            foreach (var anomaly in report.Anomalies)
            {
                text.AppendLine($"  {anomaly.Severity.ToString().ToUpperInvariant(),-9}{anomaly.Id}  {anomaly.Subject}");
                foreach (var line in Wrap(anomaly.Message, 100))
                    text.AppendLine($"             {line}");
                if (anomaly.Evidence.Count > 0)
                {
                    var shown = anomaly.Evidence.Take(5).ToList();
                    var rest = anomaly.Evidence.Count - shown.Count + anomaly.EvidenceOmitted;
                    text.AppendLine($"             evidence: {string.Join(", ", shown)}{(rest > 0 ? $" (+{N(rest)} more)" : "")}");
                }
            }
        }
        if (report.AnomaliesNotListed.Count > 0)
            text.AppendLine($"  and more not listed ({N(DetectorLimits.MaxListedPerKind)} of a kind are): " +
                            string.Join(", ", report.AnomaliesNotListed.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {N(p.Value)}")));
        if (report.DetectorEntriesForgotten > 0)
            text.AppendLine($"  detectors forgot {N(report.DetectorEntriesForgotten)} addresses below their thresholds: their tables were full (a flood of distinct sources)");

        if (report.Problems.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Input problems");
            foreach (var problem in report.Problems)
                text.AppendLine($"  {problem}");
        }
        return text.ToString();
    }

    private static void AppendCapture(StringBuilder text, LiveCaptureReport capture)
    {
        text.AppendLine($"Capture      {capture.Device} for {capture.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s, stopped by {capture.StopReason.Replace('_', ' ')}");
        if (capture.Filter is not null)
            text.AppendLine($"             filter {capture.Filter}");
        Line(text, capture.Statistics.Received, "packets received by the filter (libpcap)");
        Line(text, capture.Statistics.DroppedByKernel, "dropped by the kernel (capture buffer full)");
        Line(text, capture.Statistics.DroppedByInterface, "dropped by the interface");
        if (capture.WritePath is not null)
            Line(text, capture.FramesWritten, $"written to {capture.WritePath}");
        text.AppendLine();
    }

    /// <summary>Breaks a message into lines of at most <paramref name="width"/> characters at spaces.</summary>
    public static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) yield return line.ToString();
    }

    public static string ReasonName(MalformedReason reason)
    {
        // "Ipv4TotalLength" -> "ipv4_total_length": the same spelling in text and JSON.
        var name = reason.ToString();
        var snake = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) snake.Append('_');
            snake.Append(char.ToLowerInvariant(name[i]));
        }
        return snake.ToString();
    }

    public static string Describe(ConnState state) => state switch
    {
        ConnState.S0 => "SYN sent, never answered",
        ConnState.S1 => "established, still open",
        ConnState.SF => "established, then closed by both sides",
        ConnState.REJ => "refused: the SYN was answered with RST",
        ConnState.S2 => "established; only the originator closed",
        ConnState.S3 => "established; only the responder closed",
        ConnState.RSTO => "established, then reset by the originator",
        ConnState.RSTR => "established, then reset by the responder",
        ConnState.RSTOS0 => "originator sent SYN then RST, no SYN-ACK seen",
        ConnState.RSTRH => "responder sent SYN-ACK then RST, no SYN seen",
        ConnState.SH => "originator sent SYN then FIN, no SYN-ACK seen",
        ConnState.SHR => "responder sent SYN-ACK then FIN, no SYN seen",
        ConnState.OTH => "no SYN seen: picked up mid-stream",
        _ => "",
    };

    private static void Line(StringBuilder text, long count, string label) =>
        text.AppendLine($"             {N(count),12}    {label}");

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
