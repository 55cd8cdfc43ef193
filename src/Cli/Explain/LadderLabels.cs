using System.Globalization;
using System.Text;
using TcpState.Analysis;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Explain;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Cli.Explain;

/// <summary>
/// The words of the ladder, shared by the text and Mermaid formats so that both say exactly the same: packet labels
/// in the textbook's notation (SYN seq=0 → SYN+ACK seq=0 ack=1 → ACK ack=1), options, state chains, annotations.
/// </summary>
internal static class LadderLabels
{
    private static readonly (TcpFlags Flag, string Name)[] FlagNames =
    [
        (TcpFlags.Syn, "SYN"), (TcpFlags.Fin, "FIN"), (TcpFlags.Rst, "RST"), (TcpFlags.Psh, "PSH"), (TcpFlags.Urg, "URG"),
        (TcpFlags.Ece, "ECE"), (TcpFlags.Cwr, "CWR"), (TcpFlags.Ae, "AE"), (TcpFlags.Ack, "ACK"),
    ];

    /// <summary>"SYN+ACK", "FIN+ACK", "PSH+ACK": ACK last, as textbooks write them.</summary>
    public static string Flags(TcpFlags flags)
    {
        var names = FlagNames.Where(f => (flags & f.Flag) != 0).Select(f => f.Name).ToList();
        return names.Count == 0 ? "no flags" : string.Join('+', names);
    }

    /// <summary>
    /// The packet's words: flags, then seq (when the segment takes sequence space, is a RST, or is a probe whose
    /// sequence number is the point), ack, payload length and window. A pure ACK shows no seq, as in the textbook.
    /// </summary>
    public static List<string> PacketWords(PacketStep step)
    {
        var packet = step.Packet;
        var words = new List<string> { Flags(packet.Flags) };
        bool takesSequenceSpace = packet.Has(TcpFlags.Syn) || packet.Has(TcpFlags.Fin) || packet.PayloadLength > 0;
        if (takesSequenceSpace || packet.Has(TcpFlags.Rst) || packet.Facts.KeepAlive || packet.Facts.ZeroWindowProbe)
            words.Add($"seq={step.RelativeSequence}");
        if (step.RelativeAcknowledgment is { } ack)
            words.Add($"ack={ack}");
        if (packet.PayloadLength > 0)
            words.Add($"len={packet.PayloadLength}");
        if (!packet.Has(TcpFlags.Rst))
            words.Add($"win={packet.WindowBytes ?? packet.Window}");
        return words;
    }

    /// <summary>
    /// Notable options: on a SYN what it negotiates (MSS, SACK permitted, timestamps, window scale, Fast Open); on
    /// any segment SACK blocks (relative to the receiver's side, like ack), Fast Open and a malformed option list.
    /// Timestamps on ordinary segments are left out: every packet of a Linux connection has them.
    /// </summary>
    public static string? Options(LadderPacket packet, uint peerSequenceBase)
    {
        var options = packet.Options;
        var parts = new List<string>();
        bool syn = packet.Has(TcpFlags.Syn);
        if (options.Mss > 0) parts.Add($"mss {options.Mss}");
        if (syn && options.SackPermitted) parts.Add("sackOK");
        if (syn && options.HasTimestamp) parts.Add("TS");
        if (options.WindowScale >= 0) parts.Add($"wscale {options.WindowScale}");
        if (options.SackBlockCount > 0)
        {
            string block = $"SACK {options.FirstSackLeft - peerSequenceBase}-{options.FirstSackRight - peerSequenceBase}";
            parts.Add(options.SackBlockCount > 1 ? $"{block} +{options.SackBlockCount - 1}" : block);
        }
        if (options.HasFastOpen) parts.Add(options.FastOpenCookieLength > 0 ? "TFO cookie" : "TFO cookie request");
        if (options.Malformed) parts.Add("malformed options");
        return parts.Count == 0 ? null : "[" + string.Join(", ", parts) + "]";
    }

    /// <summary>The states one side entered at one packet, in order: "LISTEN → SYN_RCVD".</summary>
    public static string StateChain(IEnumerable<LadderStateChange> changes) =>
        string.Join(" → ", changes.Select(c => c.To.ToRfcName()));

    public static string Describe(LadderAnnotation annotation, ConnectionLadder ladder) => annotation.Kind switch
    {
        LadderEventKind.Retransmission => "retransmission",
        LadderEventKind.SynRetransmission => SynRetransmission(annotation, ladder),
        LadderEventKind.KeepAlive => "keep-alive probe (seq = next - 1)",
        LadderEventKind.ZeroWindow => "zero window: the receive buffer is full",
        LadderEventKind.ZeroWindowProbe => "zero-window probe",
        LadderEventKind.BadChecksum => "bad checksum: the receiver drops it, no state change",
        LadderEventKind.SimultaneousOpen => "simultaneous open: the SYNs crossed",
        LadderEventKind.SimultaneousClose => "simultaneous close: the FINs crossed",
        LadderEventKind.FastOpen => "TCP Fast Open",
        LadderEventKind.SynWithData => "SYN carries data without Fast Open",
        LadderEventKind.IsnChanged => "SYN resent with a different ISN",
        LadderEventKind.BadSynAck => "SYN-ACK does not acknowledge ISN+1",
        LadderEventKind.BadHandshakeAck => "ACK does not acknowledge the SYN-ACK (ISN+1)",
        LadderEventKind.RstOutOfWindow => "RST outside the receive window: ignored",
        LadderEventKind.TimeWaitRestarted => "FIN again in TIME_WAIT: 2MSL restarts",
        LadderEventKind.SynCookie => SynCookie(annotation.SynCookie!),
        LadderEventKind.Anomaly => annotation.Text ?? "anomaly",
        _ => annotation.Kind.ToString(),
    };

    /// <summary>Anomalies say so; everything else is an event of TCP's normal life.</summary>
    public static bool IsAnomaly(LadderAnnotation annotation) => annotation.Kind == LadderEventKind.Anomaly;

    private static string SynRetransmission(LadderAnnotation annotation, ConnectionLadder ladder)
    {
        var packet = ladder.Packets[annotation.PacketIndex];
        string what = packet.Has(TcpFlags.Ack) ? "SYN-ACK" : "SYN";
        foreach (var first in ladder.Packets)
            if (first.FromOriginator == packet.FromOriginator && first.Has(TcpFlags.Syn) &&
                first.Has(TcpFlags.Ack) == packet.Has(TcpFlags.Ack) && first.Sequence == packet.Sequence)
                return $"{what} retransmitted, {Seconds(packet.Time.SecondsSince(first.Time))} after the first";
        return $"{what} retransmitted";
    }

    private static string SynCookie(SynCookieEvidence evidence) => evidence.Sign switch
    {
        SynCookieSign.OptionsDropped =>
            $"looks like a SYN cookie: the SYN offered {Offered(evidence)} without timestamps and the SYN-ACK dropped " +
            (evidence.OfferedWindowScale && evidence.OfferedSack ? "both" : "it"),
        _ => $"looks like a SYN cookie: never answered and never resent, though this listener resent SYN-ACKs after " +
             $"{Seconds(evidence.ListenerRetransmitSeconds)} and the capture ran {Seconds(evidence.CaptureRanOnSeconds)} longer",
    };

    private static string Offered(SynCookieEvidence evidence) =>
        evidence.OfferedWindowScale && evidence.OfferedSack ? "window scaling and SACK"
        : evidence.OfferedWindowScale ? "window scaling" : "SACK";

    /// <summary>
    /// A folded run in the words of the issue: "… 1,204 data segments, 1.6 MB →, 12 KB ←, 3 retransmissions …", then the
    /// ACKs and how long the run took (its start is in the gutter). One line when it fits, wrapped at the commas if not.
    /// </summary>
    public static List<string> FoldedPhrases(FoldedStep fold)
    {
        var phrases = new List<string>();
        int segments = fold.OriginatorDataSegments + fold.ResponderDataSegments;
        if (segments > 0) phrases.Add($"{Count(segments)} data segment{(segments == 1 ? "" : "s")}");
        if (fold.OriginatorBytes > 0) phrases.Add($"{Bytes(fold.OriginatorBytes)} →");
        if (fold.ResponderBytes > 0) phrases.Add($"{Bytes(fold.ResponderBytes)} ←");
        if (fold.Retransmissions > 0)
            phrases.Add($"{Count(fold.Retransmissions)} retransmission{(fold.Retransmissions == 1 ? "" : "s")}");
        if (fold.PureAcks > 0) phrases.Add($"{Count(fold.PureAcks)} ACK{(fold.PureAcks == 1 ? "" : "s")}");
        phrases.Add($"{Milliseconds(fold.End.SecondsSince(fold.Time) * 1000)} ms");
        phrases[0] = "… " + phrases[0];
        phrases[^1] += " …";
        return phrases;
    }

    /// <summary>What a timer did: TIME_WAIT's 2MSL ran out.</summary>
    public static string Timer(LadderStateChange change, ConnectionLadder ladder) =>
        change.From == RfcState.TimeWait
            ? $"2MSL = {Seconds(ladder.TimeWaitSeconds)} elapsed"
            : $"timer: {change.From.ToRfcName()} → {change.To.ToRfcName()}";

    /// <summary>
    /// A line about each side's final state when it says something a learner should know: how long TIME_WAIT still
    /// holds the 4-tuple, who is waiting for what.
    /// </summary>
    public static IEnumerable<(LadderSide Side, string Text)> EndNotes(ConnectionLadder ladder)
    {
        var start = ladder.Packets.Count > 0 ? ladder.Packets[0].Time : ladder.Identity.Start;
        foreach (var side in new[] { LadderSide.Originator, LadderSide.Responder })
        {
            var state = side == LadderSide.Originator ? ladder.Record.OriginatorState : ladder.Record.ResponderState;
            string? text = state switch
            {
                RfcState.TimeWait => TimeWaitNote(ladder, side, start),
                RfcState.CloseWait => "still CLOSE_WAIT: the peer closed, this side's application has not called close()",
                RfcState.FinWait2 => "still FIN_WAIT_2: waiting for the peer's FIN (Linux gives up after tcp_fin_timeout, 60 s)",
                RfcState.FinWait1 => "still FIN_WAIT_1: its FIN is not acknowledged yet",
                RfcState.LastAck => "still LAST_ACK: its FIN is not acknowledged yet",
                RfcState.Closing => "still CLOSING: its FIN is not acknowledged yet",
                RfcState.SynReceived => "still SYN_RCVD: half-open, the handshake's last ACK never came",
                RfcState.SynSent when ladder.Packets.Any(p => !p.FromOriginator && p.Has(TcpFlags.Syn) && p.Has(TcpFlags.Ack)) =>
                    "still SYN_SENT: it never acknowledged the SYN-ACK, so nothing shows the SYN-ACK arrived",
                RfcState.SynSent => "still SYN_SENT: the SYN was never answered",
                _ => null,
            };
            if (text is null && side == LadderSide.Responder && ladder.Record.ResponderTransitions.Count == 0 &&
                ladder.Packets.Any(p => !p.FromOriginator && p.Has(TcpFlags.Rst)))
                text = $"never left CLOSED: nothing listened on port {ladder.Identity.ResponderPort}, so its kernel " +
                       "answered with RST (connection refused)";
            if (text is not null)
                yield return (side, text);
        }
    }

    private static string TimeWaitNote(ConnectionLadder ladder, LadderSide side, PacketTime start)
    {
        var entered = ladder.StateChanges.LastOrDefault(c => c.Side == side && c.To == RfcState.TimeWait);
        var until = entered.Time.AddSeconds(ladder.TimeWaitSeconds);
        string lasts = $"TIME_WAIT lasts 2MSL = {Seconds(ladder.TimeWaitSeconds)}: until {Milliseconds(until.SecondsSince(start) * 1000)} ms";
        return ladder.Record.FinishReason switch
        {
            FinishReason.PortReused => lasts + ", but a new SYN on the same 4-tuple took it over first (port reuse)",
            FinishReason.EndOfInput when until > ladder.CaptureEnd => lasts + ", after the capture ends",
            _ => lasts,
        };
    }

    /// <summary>What the closing notes are about: why the connection's record ended.</summary>
    public static string EndTitle(FinishReason reason) => reason switch
    {
        FinishReason.EndOfInput => "end of capture",
        FinishReason.PortReused => "a new connection reuses the 4-tuple",
        FinishReason.IdleTimeout => "idle timeout: no packet for too long",
        FinishReason.Evicted => "evicted from the full connection table",
        _ => "end",
    };

    /// <summary>Milliseconds with microsecond precision: "0.035", "1052.418".</summary>
    public static string Milliseconds(double ms) => ms.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>The gap since the previous row: "+0.035", "+60000".</summary>
    public static string Delta(double ms) =>
        "+" + (ms < 10_000 ? ms.ToString("0.000", CultureInfo.InvariantCulture) : ms.ToString("0", CultureInfo.InvariantCulture));

    public static string Seconds(double seconds) =>
        seconds.ToString(seconds >= 10 ? "0.#" : "0.000", CultureInfo.InvariantCulture) + " s";

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"12 B", "1.4 KB", "1.0 MB" (decimal units).</summary>
    public static string Bytes(ulong bytes)
    {
        if (bytes < 1000) return $"{bytes} B";
        string[] units = ["KB", "MB", "GB", "TB"];
        double value = bytes;
        int unit = -1;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        return value.ToString(value < 100 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    /// <summary>The connection's opening lines: names, ISNs, what the record says.</summary>
    public static List<string> Header(ConnectionLadder ladder)
    {
        var record = ladder.Record;
        var identity = ladder.Identity;
        var lines = new List<string>
        {
            $"Connection {record.Uid}  community_id {record.CommunityId}",
            $"  originator {identity.Originator,-22} {IsnText(ladder, LadderSide.Originator)}",
            $"  responder  {identity.Responder,-22} {IsnText(ladder, LadderSide.Responder)}",
        };
        var start = ladder.Packets.Count > 0 ? ladder.Packets[0].Time : identity.Start;
        var last = ladder.Packets.Count > 0 ? ladder.Packets[^1].Time : identity.Start;
        lines.Add($"  {start}  {Count(ladder.Packets.Count)} packets in {Milliseconds(last.SecondsSince(start) * 1000)} ms");
        var summary = new StringBuilder($"  conn_state {record.ConnState}  history {(record.History.Length == 0 ? "-" : record.History)}");
        var flags = Output.RecordFields.Flags(record.Flags).ToList();
        if (flags.Count > 0) summary.Append("  flags ").Append(string.Join(',', flags));
        lines.Add(summary.ToString());
        lines.Add("seq and ack: relative to each side's ISN (as Wireshark shows them)");
        lines.Add("time: ms since the first packet, delta: ms since the row before");
        return lines;
    }

    private static string IsnText(ConnectionLadder ladder, LadderSide side)
    {
        if (ladder.Isn(side) is { } isn)
            return $"ISN {isn}";
        var first = ladder.Packets.FirstOrDefault(p => p.Sender == side);
        if (ladder.Packets.All(p => p.Sender != side))
            return "sent nothing";
        return first.Has(TcpFlags.Rst) ? "no SYN: seq shown raw" : $"no SYN: seq relative to {first.Sequence} - 1";
    }

    /// <summary>Greedy word wrap: words joined by <paramref name="separator"/>, lines at most <paramref name="width"/> long.</summary>
    public static List<string> Wrap(IEnumerable<string> words, int width, string separator = " ")
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in words.SelectMany(w => Chunks(w, width)))
        {
            if (line.Length > 0 && line.Length + separator.Length + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            if (line.Length > 0) line.Append(separator);
            line.Append(word);
        }
        if (line.Length > 0) lines.Add(line.ToString());
        return lines;
    }

    /// <summary>A word longer than a line is cut, so that no line is ever wider than promised.</summary>
    private static IEnumerable<string> Chunks(string word, int width)
    {
        for (int i = 0; i < word.Length; i += Math.Max(1, width))
            yield return word.Substring(i, Math.Min(Math.Max(1, width), word.Length - i));
    }
}
