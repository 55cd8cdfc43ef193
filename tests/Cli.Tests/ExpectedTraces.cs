using System.Text.Json;

namespace TcpState.Cli.Tests;

/// <summary>
/// An expected.json beside recorded traces (captures/ and captures/anomalies/): an array of entries, one per trace,
/// each naming its file in "trace".
/// </summary>
internal sealed class ExpectedTraces(string path)
{
    private JsonElement Entries => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    public TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Entries.EnumerateArray())
            data.Add(entry.GetProperty("trace").GetString()!);
        return data;
    }

    public JsonElement For(string trace) =>
        Entries.EnumerateArray().Single(e => e.GetProperty("trace").GetString() == trace);
}
