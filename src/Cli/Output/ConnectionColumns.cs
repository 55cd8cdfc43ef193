using TcpState.Analysis;
using TcpState.Analysis.Records;

namespace TcpState.Cli.Output;

/// <summary>
/// The columns of the one-line-per-connection formats (zeek, csv), in order, with Zeek's type for each and the value
/// a record has in it. A null value is unset; an empty string in a set or vector column is an empty collection.
/// </summary>
internal static class ConnectionColumns
{
    private static readonly (string Name, string ZeekType, Func<ConnectionRecord, string?> Value)[] Columns =
    [
        ("ts", "time", r => RecordFields.Time(r.Start)),
        ("uid", "string", r => r.Uid),
        ("id.orig_h", "addr", r => r.OriginatorAddress.ToString()),
        ("id.orig_p", "port", r => r.OriginatorPort.ToString()),
        ("id.resp_h", "addr", r => r.ResponderAddress.ToString()),
        ("id.resp_p", "port", r => r.ResponderPort.ToString()),
        ("proto", "enum", _ => "tcp"),
        ("duration", "interval", r => r.Duration is { } d ? RecordFields.Seconds(d) : null),
        ("orig_bytes", "count", r => r.OriginatorBytes?.ToString()),
        ("resp_bytes", "count", r => r.ResponderBytes?.ToString()),
        ("conn_state", "string", r => r.ConnState.ToString()),
        ("missed_bytes", "count", r => r.MissedBytes.ToString()),
        ("history", "string", r => r.History.Length == 0 ? null : r.History),
        ("orig_pkts", "count", r => r.OriginatorPackets.ToString()),
        ("resp_pkts", "count", r => r.ResponderPackets.ToString()),
        ("community_id", "string", r => r.CommunityId),
        ("orig_state", "string", r => r.OriginatorState.ToRfcName()),
        ("resp_state", "string", r => r.ResponderState.ToRfcName()),
        ("orig_transitions", "vector[string]", r => RecordFields.Transitions(r.OriginatorTransitions)),
        ("resp_transitions", "vector[string]", r => RecordFields.Transitions(r.ResponderTransitions)),
        ("flags", "set[string]", r => string.Join(',', RecordFields.Flags(r.Flags))),
        ("end_reason", "string", r => RecordFields.EndReason(r.FinishReason)),
    ];

    public static IEnumerable<string> Names => Columns.Select(c => c.Name);

    public static IEnumerable<string> ZeekTypes => Columns.Select(c => c.ZeekType);

    public static bool IsCollection(int column) => Columns[column].ZeekType.Contains('[');

    public static string?[] Values(ConnectionRecord record) => Columns.Select(c => c.Value(record)).ToArray();
}
