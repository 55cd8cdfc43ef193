using System.Text;
using TcpState.Analysis.Explain;
using TcpState.Capture.Decoding;

namespace TcpState.Cli.Explain;

/// <summary>
/// The ladder as a Mermaid <c>sequenceDiagram</c> (renders on GitHub and in Markdown viewers), with the same words as
/// the text form: one message per packet (<c>-x</c> for a RST, a dotted arrow for a retransmission), each side's new
/// state as a note on its outer side (<c>Note left of O</c>, <c>Note right of R</c>), events and anomalies as notes
/// over the side they concern, folded data phases in a shaded <c>rect</c>, TIME_WAIT's 2MSL at the end.
/// </summary>
internal static class MermaidLadder
{
    private const string Indent = "    ";

    public static string Render(ConnectionLadder ladder, bool all)
    {
        var text = new StringBuilder();
        text.AppendLine("sequenceDiagram");
        Line(text, $"participant O as {Escape(ladder.Identity.Originator)} (originator)");
        Line(text, $"participant R as {Escape(ladder.Identity.Responder)} (responder)");
        Line(text, "Note over O,R: " + string.Join("<br/>", LadderLabels.Header(ladder).Select(h => Escape(h.Trim()))));
        if (ladder.Packets.Count == 0)
            return text.ToString();

        var start = ladder.Packets[0].Time;
        var previous = start;
        foreach (var step in ladder.Steps(all))
        {
            string at = $"{LadderLabels.Milliseconds(step.Time.SecondsSince(start) * 1000)} ms " +
                        $"({LadderLabels.Delta(step.Time.SecondsSince(previous) * 1000)})";
            previous = step is FoldedStep fold ? fold.End : step.Time;
            switch (step)
            {
                case PacketStep packet:
                    AddPacket(text, ladder, packet, at);
                    break;
                case FoldedStep folded:
                    Line(text, "rect rgb(235, 235, 235)");
                    Line(text, $"Note over O,R: {Escape(at)}<br/>{Escape(string.Join(", ", LadderLabels.FoldedPhrases(folded)))}");
                    Line(text, "end");
                    break;
                case TimerStep timer:
                    foreach (var change in timer.StateChanges)
                        Line(text, $"Note over {Participant(change.Side)}: {Escape(at)}<br/>* {Escape(LadderLabels.Timer(change, ladder))}");
                    AddStates(text, timer.StateChanges);
                    break;
            }
        }
        foreach (var (side, note) in LadderLabels.EndNotes(ladder))
            Line(text, $"Note over {Participant(side)}: {Escape(LadderLabels.EndTitle(ladder.Record.FinishReason))}<br/>* {Escape(note)}");
        return text.ToString();
    }

    private static void AddPacket(StringBuilder text, ConnectionLadder ladder, PacketStep step, string at)
    {
        var packet = step.Packet;
        var words = LadderLabels.PacketWords(step);
        var peer = packet.FromOriginator ? LadderSide.Responder : LadderSide.Originator;
        if (LadderLabels.Options(packet, ladder.SequenceBase(peer)) is { } options)
            words.Add(options);
        string arrow = packet.Has(TcpFlags.Rst) ? "-x"
            : packet.Facts.Retransmission || packet.Facts.RetransmittedSyn ? "-->>"
            : "->>";
        var (from, to) = packet.FromOriginator ? ("O", "R") : ("R", "O");
        Line(text, $"{from}{arrow}{to}: {Escape(at)} {Escape(string.Join(' ', words))}");
        AddStates(text, step.StateChanges);
        foreach (var annotation in step.Annotations)
        {
            string mark = LadderLabels.IsAnomaly(annotation) ? "! " : "* ";
            string over = annotation.Side is { } side ? Participant(side) : "O,R";
            Line(text, $"Note over {over}: {mark}{Escape(LadderLabels.Describe(annotation, ladder))}");
        }
    }

    /// <summary>States go on each side's outer edge, so they read like the textbook's state column.</summary>
    private static void AddStates(StringBuilder text, IReadOnlyList<LadderStateChange> changes)
    {
        string left = LadderLabels.StateChain(changes.Where(c => c.Side == LadderSide.Originator));
        string right = LadderLabels.StateChain(changes.Where(c => c.Side == LadderSide.Responder));
        if (left.Length > 0) Line(text, $"Note left of O: {left}");
        if (right.Length > 0) Line(text, $"Note right of R: {right}");
    }

    private static string Participant(LadderSide side) => side == LadderSide.Originator ? "O" : "R";

    private static void Line(StringBuilder text, string line) => text.Append(Indent).AppendLine(line);

    /// <summary>
    /// Mermaid reads ';' as the end of a statement, '#' as the start of an entity, '%%' as a comment, and passes
    /// '&lt;' '&gt;' to HTML: write them as entity codes so free text (anomaly messages) cannot break the diagram.
    /// </summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            escaped.Append(c switch
            {
                '#' => "#35;",
                ';' => "#59;",
                '%' => "#37;",
                '<' => "#lt;",
                '>' => "#gt;",
                '\r' or '\n' => " ",
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }
}
