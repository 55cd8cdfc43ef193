using TcpState.Analysis;
using TcpState.Analysis.Explain;
using TcpState.Cli.Output;

namespace TcpState.Cli.Explain;

/// <summary>The connections of a capture, one per line, so the user can pick one for <c>--conn</c>.</summary>
internal static class ConnectionList
{
    public static List<string> Render(IEnumerable<ListedConnection> connections)
    {
        var rows = new List<string[]>
        {
            new[] { "uid", "ts", "originator", "responder", "conn_state", "orig_state", "resp_state", "anomalies" },
        };
        foreach (var connection in connections)
        {
            var record = connection.Record;
            rows.Add(
            [
                record.Uid, RecordFields.Time(record.Start), connection.Identity.Originator, connection.Identity.Responder,
                record.ConnState.ToString(), record.OriginatorState.ToRfcName(), record.ResponderState.ToRfcName(),
                connection.Anomalies.Count == 0 ? "-" : string.Join(',', connection.Anomalies),
            ]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        return rows.Select(r => string.Join("  ", r.Select((cell, c) => c == r.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd())
            .ToList();
    }
}
