using TcpState.Analysis;
using TcpState.Analysis.Explain;

namespace TcpState.Cli.Explain;

/// <summary>
/// The ladder for a terminal, 80 columns wide: the time since the first packet and the gap since the row before on
/// the left, the originator's line and the responder's line, one arrow per packet with its label on the sender's
/// side, each side's new state under the arrow on its own side, annotations (* events, ! anomalies) where they
/// happened, folded data phases, TIME_WAIT's 2MSL at the end.
/// </summary>
internal static class TextLadder
{
    public const int Width = 80;

    /// <summary>Arrow stubs: "-- " before a label, " -->" after it at the least.</summary>
    private const int ArrowOverhead = 7;

    /// <summary>Continuation lines (options, wrapped words) start this far inside the rail, under the label.</summary>
    private const int LabelIndent = 3;

    public static List<StyledLine> Render(ConnectionLadder ladder, bool all)
    {
        var lines = new List<StyledLine>();
        foreach (var header in LadderLabels.Header(ladder))
            foreach (var wrapped in WrapIndented(header, Width))
                lines.Add(new StyledLine().Add(wrapped, Tone.Header));
        if (ladder.Packets.Count == 0)
            return lines;

        var steps = ladder.Steps(all);
        var start = ladder.Packets[0].Time;
        var gutters = new List<(string Time, string Delta)>(steps.Count);
        var previous = start;
        foreach (var step in steps)
        {
            gutters.Add((LadderLabels.Milliseconds(step.Time.SecondsSince(start) * 1000),
                LadderLabels.Delta(step.Time.SecondsSince(previous) * 1000)));
            previous = step is FoldedStep fold ? fold.End : step.Time;
        }
        var layout = new Layout(Math.Max(4, gutters.Max(g => g.Time.Length)), Math.Max(5, gutters.Max(g => g.Delta.Length)));

        lines.Add(new StyledLine());
        AddEndpoints(lines, layout, ladder.Identity);
        lines.Add(layout.Rails());
        for (int i = 0; i < steps.Count; i++)
        {
            switch (steps[i])
            {
                case PacketStep packet:
                    AddPacket(lines, layout, ladder, packet, gutters[i]);
                    break;
                case FoldedStep fold:
                    AddFold(lines, layout, fold, gutters[i]);
                    break;
                case TimerStep timer:
                    AddTimer(lines, layout, ladder, timer, gutters[i]);
                    break;
            }
        }
        lines.Add(layout.Rails());
        var endNotes = LadderLabels.EndNotes(ladder).ToList();
        if (endNotes.Count > 0)
        {
            lines.Add(layout.Row("", "").Add(Center(LadderLabels.EndTitle(ladder.Record.FinishReason), layout.Interior), Tone.Event)
                .Add("|", Tone.Rail));
            foreach (var (side, text) in endNotes)
                AddNote(lines, layout, side, "* " + text, Tone.Event);
        }
        return lines;
    }

    private static void AddEndpoints(List<StyledLine> lines, Layout layout, ConnectionIdentity identity)
    {
        string left = identity.Originator, right = identity.Responder;
        var heading = layout.Heading();
        int room = Width - heading.Length;
        if (left.Length + 2 + right.Length <= room)
            lines.Add(heading.Add(left + new string(' ', room - left.Length - right.Length) + right, Tone.Header));
        else
        {
            lines.Add(heading.Add(left, Tone.Header));
            lines.Add(new StyledLine().Add(right.PadLeft(Width), Tone.Header));
        }
    }

    private static void AddPacket(List<StyledLine> lines, Layout layout, ConnectionLadder ladder, PacketStep step,
        (string Time, string Delta) gutter)
    {
        var packet = step.Packet;
        bool fromOriginator = packet.FromOriginator;
        var tone = fromOriginator ? Tone.FromOriginator : Tone.FromResponder;
        var words = LadderLabels.PacketWords(step);
        var peer = fromOriginator ? LadderSide.Responder : LadderSide.Originator;
        if (LadderLabels.Options(packet, ladder.SequenceBase(peer)) is { } options)
            words.Add(options);

        var labelLines = LadderLabels.Wrap(words, layout.Interior - ArrowOverhead);
        string label = labelLines[0];
        string dashes = new('-', layout.Interior - label.Length - 5);
        string arrow = fromOriginator ? $"-- {label} {dashes}>" : $"<{dashes} {label} --";
        lines.Add(layout.Row(gutter.Time, gutter.Delta).Add(arrow, tone).Add("|", Tone.Rail));
        // Options and words that did not fit go under the label, on the sender's side.
        var rest = LadderLabels.Wrap(labelLines.Skip(1), layout.Interior - 2 * LabelIndent);
        foreach (var line in rest)
            lines.Add(layout.Row("", "").Add(fromOriginator
                ? (new string(' ', LabelIndent) + line).PadRight(layout.Interior)
                : (line + new string(' ', LabelIndent)).PadLeft(layout.Interior), tone).Add("|", Tone.Rail));

        AddStates(lines, layout, step.StateChanges);
        foreach (var annotation in step.Annotations)
        {
            bool anomaly = LadderLabels.IsAnomaly(annotation);
            AddNote(lines, layout, annotation.Side, (anomaly ? "! " : "* ") + LadderLabels.Describe(annotation, ladder),
                anomaly ? Tone.Anomaly : Tone.Event);
        }
    }

    private static void AddFold(List<StyledLine> lines, Layout layout, FoldedStep fold, (string Time, string Delta) gutter)
    {
        var text = LadderLabels.Wrap(LadderLabels.FoldedPhrases(fold), layout.Interior - 4, ", ");
        for (int i = 0; i < text.Count; i++)
        {
            var row = i == 0 ? layout.Row(gutter.Time, gutter.Delta) : layout.Row("", "");
            lines.Add(row.Add(Center(text[i], layout.Interior), Tone.Fold).Add("|", Tone.Rail));
        }
    }

    private static void AddTimer(List<StyledLine> lines, Layout layout, ConnectionLadder ladder, TimerStep timer,
        (string Time, string Delta) gutter)
    {
        bool first = true;
        foreach (var change in timer.StateChanges)
        {
            string text = "* " + LadderLabels.Timer(change, ladder);
            var row = first ? layout.Row(gutter.Time, gutter.Delta) : layout.Row("", "");
            lines.Add(row.Add(Aligned(change.Side, text, layout.Interior), Tone.Event).Add("|", Tone.Rail));
            first = false;
        }
        AddStates(lines, layout, timer.StateChanges);
    }

    /// <summary>"SYN_SENT" under the originator's rail, "LISTEN → SYN_RCVD" under the responder's: each on its own side.</summary>
    private static void AddStates(List<StyledLine> lines, Layout layout, IReadOnlyList<LadderStateChange> changes)
    {
        if (changes.Count == 0) return;
        string left = LadderLabels.StateChain(changes.Where(c => c.Side == LadderSide.Originator));
        string right = LadderLabels.StateChain(changes.Where(c => c.Side == LadderSide.Responder));
        int gap = layout.Interior - 2 - left.Length - right.Length;
        if (left.Length > 0 && right.Length > 0 && gap >= 2)
        {
            lines.Add(layout.Row("", "").Add(" ").Add(left, Tone.State).Add(new string(' ', gap)).Add(right, Tone.State)
                .Add(" ").Add("|", Tone.Rail));
            return;
        }
        if (left.Length > 0)
            lines.Add(layout.Row("", "").Add(" ").Add(left, Tone.State).Add(new string(' ', layout.Interior - 1 - left.Length))
                .Add("|", Tone.Rail));
        if (right.Length > 0)
            lines.Add(layout.Row("", "").Add(new string(' ', layout.Interior - 1 - right.Length)).Add(right, Tone.State)
                .Add(" ").Add("|", Tone.Rail));
    }

    /// <summary>An annotation on the side it concerns (centred when it concerns the connection), wrapped to fit.</summary>
    private static void AddNote(List<StyledLine> lines, Layout layout, LadderSide? side, string text, Tone tone)
    {
        // Wrapped lines form one left-aligned block (continuations indented under the text after the mark), and the
        // block sits on the side it concerns.
        var wrapped = LadderLabels.Wrap(text.Split(' '), layout.Interior - 4).Select((l, i) => i == 0 ? l : "  " + l).ToList();
        int block = wrapped.Max(l => l.Length);
        foreach (var line in wrapped)
            lines.Add(layout.Row("", "").Add(Aligned(side, line.PadRight(block), layout.Interior), tone).Add("|", Tone.Rail));
    }

    private static string Aligned(LadderSide? side, string text, int width) => side switch
    {
        LadderSide.Originator => (" " + text).PadRight(width),
        LadderSide.Responder => (text + " ").PadLeft(width),
        _ => Center(text, width),
    };

    private static string Center(string text, int width)
    {
        int left = Math.Max(0, (width - text.Length) / 2);
        return (new string(' ', left) + text).PadRight(width);
    }

    /// <summary>Header lines wider than the terminal continue on the next line, indented.</summary>
    private static IEnumerable<string> WrapIndented(string line, int width)
    {
        if (line.Length <= width)
        {
            yield return line;
            yield break;
        }
        int indent = line.Length - line.TrimStart().Length;
        var wrapped = LadderLabels.Wrap(line.TrimStart().Split(' ', StringSplitOptions.RemoveEmptyEntries), width - indent - 2);
        for (int i = 0; i < wrapped.Count; i++)
            yield return new string(' ', i == 0 ? indent : indent + 2) + wrapped[i];
    }

    /// <summary>Where the columns are: the gutter (time, delta), then the two rails with the ladder between them.</summary>
    private readonly record struct Layout(int TimeWidth, int DeltaWidth)
    {
        private int Gutter => TimeWidth + 1 + DeltaWidth + 2;

        /// <summary>Columns between the rails.</summary>
        public int Interior => Width - Gutter - 2;

        /// <summary>The gutter and the left rail; the caller adds the interior and the right rail.</summary>
        public StyledLine Row(string time, string delta) =>
            new StyledLine().Add(time.PadLeft(TimeWidth) + " " + delta.PadLeft(DeltaWidth) + "  ").Add("|", Tone.Rail);

        public StyledLine Rails() => Row("", "").Add(new string(' ', Interior)).Add("|", Tone.Rail);

        public StyledLine Heading() => new StyledLine().Add("time".PadLeft(TimeWidth) + " " + "delta".PadLeft(DeltaWidth) + "  ", Tone.Header);
    }
}
