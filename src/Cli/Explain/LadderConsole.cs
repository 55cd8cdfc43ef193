using System.Text;
using Spectre.Console;

namespace TcpState.Cli.Explain;

/// <summary>
/// Writes styled lines: in colour through Spectre.Console when stdout is a terminal that supports it, as plain text
/// otherwise (a pipe, a file, NO_COLOR, a dumb terminal). Both show the same characters.
/// </summary>
internal static class LadderConsole
{
    public static bool UseColour =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.ColorSystem != ColorSystem.NoColors;

    public static void Write(IEnumerable<StyledLine> lines, Stream output, bool colour)
    {
        if (!colour)
        {
            using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
            foreach (var line in lines)
                writer.Write(line + "\n");
            return;
        }
        foreach (var line in lines)
        {
            var markup = new StringBuilder();
            foreach (var (text, tone) in line.Pieces)
            {
                string escaped = Markup.Escape(text);
                markup.Append(Style(tone) is { } style ? $"[{style}]{escaped}[/]" : escaped);
            }
            AnsiConsole.Console.Write(new Markup(markup.ToString()) { Overflow = Overflow.Ellipsis });
            AnsiConsole.Console.WriteLine();
        }
    }

    private static string? Style(Tone tone) => tone switch
    {
        Tone.Rail => "grey",
        Tone.FromOriginator => "cyan",
        Tone.FromResponder => "yellow",
        Tone.State => "bold green",
        Tone.Event => "magenta",
        Tone.Anomaly => "bold red",
        Tone.Fold => "grey italic",
        Tone.Header => "bold",
        _ => null,
    };
}
