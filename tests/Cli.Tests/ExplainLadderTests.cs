using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TcpState.Cli.Tests;

/// <summary>
/// The ladder against the record, on every connection of every recorded capture: the states each side shows are
/// exactly its transitions in the connection record, each at the row whose time the transition carries; every line
/// fits 80 columns.
/// </summary>
public partial class ExplainLadderTests
{
    public static TheoryData<string> Traces()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Repository.Captures, "*.pcap").Order())
            data.Add(Path.GetFileName(path));
        return data;
    }

    private static List<JsonElement> Records(string trace) =>
        JsonLines.Records(TcpstateProcess.Run("read", "-f", "json", Repository.Capture(trace)).Stdout, "connection");

    /// <summary>(state, ms since the connection's first packet) for one side, from the record.</summary>
    private static List<(string State, string Ms)> Transitions(JsonElement record, string field)
    {
        decimal start = record.GetProperty("ts").GetDecimal();
        return record.GetProperty(field).EnumerateArray()
            .Select(t => (t.GetProperty("state").GetString()!,
                ((t.GetProperty("ts").GetDecimal() - start) * 1000).ToString("0.000", CultureInfo.InvariantCulture)))
            .ToList();
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void TextLadderStates_AreTheRecordsTransitionsAtTheirTimes(string trace)
    {
        foreach (var record in Records(trace))
        {
            string uid = record.GetProperty("uid").GetString()!;
            var result = TcpstateProcess.Run("explain", Repository.Capture(trace), "--conn", uid, "--all");
            Assert.True(result.ExitCode == 0, result.Stderr);

            var (originator, responder) = TextStates(result.Stdout);

            AssertSameStatesAndTimes(Transitions(record, "orig_transitions"), originator);
            AssertSameStatesAndTimes(Transitions(record, "resp_transitions"), responder);
        }
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void MermaidStates_AreTheRecordsTransitionsAtTheirTimes(string trace)
    {
        foreach (var record in Records(trace))
        {
            string uid = record.GetProperty("uid").GetString()!;
            var result = TcpstateProcess.Run("explain", Repository.Capture(trace), "--conn", uid, "--format", "mermaid");
            Assert.True(result.ExitCode == 0, result.Stderr);

            var (originator, responder) = MermaidStates(result.Stdout);

            AssertSameStatesAndTimes(Transitions(record, "orig_transitions"), originator);
            AssertSameStatesAndTimes(Transitions(record, "resp_transitions"), responder);
        }
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void EveryTextLine_FitsEightyColumns(string trace)
    {
        foreach (var record in Records(trace))
        {
            var result = TcpstateProcess.Run("explain", Repository.Capture(trace), "--conn", record.GetProperty("uid").GetString()!);
            foreach (var line in result.Stdout.Split('\n'))
                Assert.True(line.Length <= 80, $"{trace}: {line.Length} columns: {line}");
        }
    }

    /// <summary>
    /// The same states in the same order, each within a microsecond of the record's time: records write times truncated
    /// to microseconds (as Zeek does) while the ladder rounds differences of nanosecond timestamps.
    /// </summary>
    private static void AssertSameStatesAndTimes(List<(string State, string Ms)> expected, List<(string State, string Ms)> actual)
    {
        Assert.Equal(expected.Select(e => e.State), actual.Select(a => a.State));
        for (int i = 0; i < expected.Count; i++)
        {
            decimal want = decimal.Parse(expected[i].Ms, CultureInfo.InvariantCulture);
            decimal got = decimal.Parse(actual[i].Ms, CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(want - got) <= 0.001m, $"{expected[i].State}: record {want} ms, ladder {got} ms");
        }
    }

    /// <summary>
    /// Reads the text ladder: the row time is the first number in the gutter; a state line holds nothing between the
    /// rails but state chains, the originator's starting one space inside the left rail.
    /// </summary>
    private static (List<(string, string)> Originator, List<(string, string)> Responder) TextStates(string ladder)
    {
        var originator = new List<(string, string)>();
        var responder = new List<(string, string)>();
        string time = "";
        foreach (var line in ladder.Split('\n'))
        {
            int left = line.IndexOf('|'), right = line.LastIndexOf('|');
            if (left < 0 || right <= left) continue;
            var gutter = line[..left].Trim();
            if (gutter.Length > 0) time = gutter.Split(' ')[0];
            var inside = line[(left + 1)..right];
            var chains = Regex.Split(inside.Trim(), " {2,}");
            if (inside.Trim().Length == 0 || !chains.All(c => StateChain().IsMatch(c))) continue;
            if (chains.Length == 2)
            {
                Add(originator, chains[0], time);
                Add(responder, chains[1], time);
            }
            else
                Add(inside.StartsWith(" ", StringComparison.Ordinal) && !inside.StartsWith("  ", StringComparison.Ordinal)
                    ? originator : responder, chains[0], time);
        }
        return (originator, responder);
    }

    /// <summary>Reads the Mermaid ladder: states are the notes left of O and right of R; times lead each message.</summary>
    private static (List<(string, string)> Originator, List<(string, string)> Responder) MermaidStates(string diagram)
    {
        var originator = new List<(string, string)>();
        var responder = new List<(string, string)>();
        string time = "";
        foreach (var raw in diagram.Split('\n'))
        {
            var line = raw.Trim();
            var timed = TimedLine().Match(line);
            if (timed.Success) time = timed.Groups["ms"].Value;
            if (line.StartsWith("Note left of O: ", StringComparison.Ordinal))
                Add(originator, line["Note left of O: ".Length..], time);
            else if (line.StartsWith("Note right of R: ", StringComparison.Ordinal))
                Add(responder, line["Note right of R: ".Length..], time);
        }
        return (originator, responder);
    }

    private static void Add(List<(string, string)> side, string chain, string time)
    {
        foreach (var state in chain.Split(" → "))
            side.Add((state, time));
    }

    [GeneratedRegex("^(CLOSED|LISTEN|SYN_SENT|SYN_RCVD|ESTABLISHED|FIN_WAIT_1|FIN_WAIT_2|CLOSE_WAIT|CLOSING|LAST_ACK|TIME_WAIT)" +
                    "( → (CLOSED|LISTEN|SYN_SENT|SYN_RCVD|ESTABLISHED|FIN_WAIT_1|FIN_WAIT_2|CLOSE_WAIT|CLOSING|LAST_ACK|TIME_WAIT))*$")]
    private static partial Regex StateChain();

    [GeneratedRegex(@"^(?:[OR]-(?:->>|>>|x)[OR]|Note over [OR]): (?<ms>\d+\.\d{3}) ms ")]
    private static partial Regex TimedLine();
}
