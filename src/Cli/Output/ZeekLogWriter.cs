using System.Text;
using TcpState.Analysis;
using TcpState.Analysis.Records;

namespace TcpState.Cli.Output;

/// <summary>
/// conn.log-style TSV: Zeek's header lines (#separator, #fields, #types ...) and its conventions ("-" unset,
/// "(empty)" for an empty set), so zeek-cut and scripts written for Zeek logs read it. tcpstate's own columns follow
/// Zeek's.
/// </summary>
internal sealed class ZeekLogWriter(Stream output) : RecordWriter
{
    private static readonly string[] Fields =
    [
        "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "duration", "orig_bytes", "resp_bytes",
        "conn_state", "missed_bytes", "history", "orig_pkts", "resp_pkts", "community_id",
        "orig_state", "resp_state", "orig_transitions", "resp_transitions", "flags", "end_reason",
    ];

    private static readonly string[] Types =
    [
        "time", "string", "addr", "port", "addr", "port", "enum", "interval", "count", "count",
        "string", "count", "string", "count", "count", "string",
        "string", "string", "vector[string]", "vector[string]", "set[string]", "string",
    ];

    private readonly StreamWriter _writer = new(output, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };

    public override void Begin()
    {
        _writer.WriteLine("#separator \\x09");
        _writer.WriteLine("#set_separator\t,");
        _writer.WriteLine("#empty_field\t(empty)");
        _writer.WriteLine("#unset_field\t-");
        _writer.WriteLine("#path\tconn");
        _writer.WriteLine($"#open\t{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}");
        _writer.WriteLine("#fields\t" + string.Join('\t', Fields));
        _writer.WriteLine("#types\t" + string.Join('\t', Types));
    }

    public override void OnConnection(in ConnectionView connection)
    {
        var r = connection.ToRecord();
        string[] values =
        [
            RecordFields.Time(r.Start), r.Uid, r.OriginatorAddress.ToString(), r.OriginatorPort.ToString(),
            r.ResponderAddress.ToString(), r.ResponderPort.ToString(), "tcp",
            r.Duration is { } d ? RecordFields.Seconds(d) : "-",
            r.OriginatorBytes?.ToString() ?? "-", r.ResponderBytes?.ToString() ?? "-",
            r.ConnState.ToString(), r.MissedBytes.ToString(), r.History.Length == 0 ? "-" : r.History,
            r.OriginatorPackets.ToString(), r.ResponderPackets.ToString(), r.CommunityId,
            r.OriginatorState.ToRfcName(), r.ResponderState.ToRfcName(),
            Vector(r.OriginatorTransitions), Vector(r.ResponderTransitions),
            Set(RecordFields.Flags(r.Flags)), RecordFields.EndReason(r.FinishReason),
        ];
        _writer.WriteLine(string.Join('\t', values));
    }

    public override void End(RunReport report) => _writer.WriteLine($"#close\t{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}");

    public override void Dispose() => _writer.Flush();

    private static string Vector(IReadOnlyList<StateChange> transitions) =>
        transitions.Count == 0 ? "(empty)" : RecordFields.Transitions(transitions);

    private static string Set(IEnumerable<string> items)
    {
        var joined = string.Join(',', items);
        return joined.Length == 0 ? "(empty)" : joined;
    }
}
