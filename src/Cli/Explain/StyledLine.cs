using System.Text;

namespace TcpState.Cli.Explain;

/// <summary>What a piece of a ladder line is, so a terminal can colour it; plain output ignores it.</summary>
internal enum Tone : byte
{
    Plain,
    Rail,
    /// <summary>An arrow from the originator (and its label).</summary>
    FromOriginator,
    FromResponder,
    State,
    Event,
    Anomaly,
    Fold,
    Header,
}

/// <summary>One output line as pieces of text with their tone.</summary>
internal sealed class StyledLine
{
    private readonly List<(string Text, Tone Tone)> _pieces = [];

    public StyledLine Add(string text, Tone tone = Tone.Plain)
    {
        if (text.Length > 0) _pieces.Add((text, tone));
        return this;
    }

    public IReadOnlyList<(string Text, Tone Tone)> Pieces => _pieces;

    public int Length => _pieces.Sum(p => p.Text.Length);

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (piece, _) in _pieces) text.Append(piece);
        return text.ToString().TrimEnd();
    }
}
