using System.Text.Json;

namespace TcpState.Cli.Tests;

/// <summary>
/// Every trace in captures/ (recorded from the real Linux TCP stack) read end to end through the CLI, each connection
/// checked against captures/expected.json: both final RFC states and transition lists, conn_state, history, counts.
/// </summary>
public class RecordedCaptureTests
{
    private static readonly ExpectedTraces Expected = new(Repository.Capture("expected.json"));

    public static TheoryData<string> Traces() => Expected.Names();

    [Theory]
    [MemberData(nameof(Traces))]
    public void RecordedTrace_GivesTheExpectedRecordForEveryConnection(string trace)
    {
        var expected = Expected.For(trace);
        var result = TcpstateProcess.Run("read", "--format", "json", Repository.Capture(trace));

        Assert.True(result.ExitCode == 0, result.Stderr);
        var records = JsonLines.Records(result.Stdout, "connection");
        var expectedConnections = expected.GetProperty("connections").EnumerateArray().ToList();
        Assert.Equal(expectedConnections.Count, records.Count);
        for (int i = 0; i < expectedConnections.Count; i++)
        {
            var want = expectedConnections[i];
            var got = records[i];
            string where = $"{trace} connection {i + 1}";
            Assert.True(want.GetProperty("orig_h").GetString() == got.GetProperty("id.orig_h").GetString(), where + ": orig_h");
            Assert.Equal(want.GetProperty("orig_p").GetInt32(), got.GetProperty("id.orig_p").GetInt32());
            Assert.Equal(want.GetProperty("resp_h").GetString(), got.GetProperty("id.resp_h").GetString());
            Assert.Equal(want.GetProperty("resp_p").GetInt32(), got.GetProperty("id.resp_p").GetInt32());
            Assert.Equal((where, want.GetProperty("conn_state").GetString()), (where, got.GetProperty("conn_state").GetString()));
            Assert.Equal((where, want.GetProperty("history").GetString()), (where, got.GetProperty("history").GetString()));
            Assert.Equal((where, want.GetProperty("orig_state").GetString()), (where, got.GetProperty("orig_state").GetString()));
            Assert.Equal((where, want.GetProperty("resp_state").GetString()), (where, got.GetProperty("resp_state").GetString()));
            Assert.Equal((where, States(want.GetProperty("orig_transitions"))), (where, TransitionStates(got.GetProperty("orig_transitions"))));
            Assert.Equal((where, States(want.GetProperty("resp_transitions"))), (where, TransitionStates(got.GetProperty("resp_transitions"))));
            Assert.Equal((where, want.GetProperty("orig_pkts").GetInt64()), (where, got.GetProperty("orig_pkts").GetInt64()));
            Assert.Equal((where, want.GetProperty("resp_pkts").GetInt64()), (where, got.GetProperty("resp_pkts").GetInt64()));
            Assert.Equal((where, want.GetProperty("orig_bytes").GetInt64()), (where, got.GetProperty("orig_bytes").GetInt64()));
            Assert.Equal((where, want.GetProperty("resp_bytes").GetInt64()), (where, got.GetProperty("resp_bytes").GetInt64()));
        }
    }

    /// <summary>
    /// The false-positive guard: each recorded trace raises exactly the anomalies listed for it in expected.json —
    /// none for the normal-traffic traces.
    /// </summary>
    [Theory]
    [MemberData(nameof(Traces))]
    public void RecordedTrace_RaisesExactlyItsListedAnomalies(string trace)
    {
        var expected = Expected.For(trace);
        var result = TcpstateProcess.Run("read", "--format", "json", Repository.Capture(trace));

        var raised = JsonLines.Records(result.Stdout, "anomaly").Select(a => a.GetProperty("id").GetString()).Distinct().Order();
        var listed = expected.GetProperty("anomalies").EnumerateArray().Select(a => a.GetString()).Order();
        Assert.Equal(listed, raised);
    }

    private static string Joined(IEnumerable<string> states) => string.Join(" → ", states);

    private static string States(JsonElement list) => Joined(list.EnumerateArray().Select(s => s.GetString()!));

    private static string TransitionStates(JsonElement list) =>
        Joined(list.EnumerateArray().Select(t => t.GetProperty("state").GetString()!));

}

internal static class JsonLines
{
    public static List<JsonElement> Records(string output, string kind) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(r => r.GetProperty("record").GetString() == kind)
            .ToList();
}
