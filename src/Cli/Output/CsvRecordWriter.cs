using System.Text;
using TcpState.Analysis;

namespace TcpState.Cli.Output;

/// <summary>RFC 4180 CSV with a header row; the same columns as the Zeek format, empty where a value is unset.</summary>
internal sealed class CsvRecordWriter(Stream output) : RecordWriter
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\r\n" };

    public override void Begin() => _writer.WriteLine(
        "ts,uid,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,duration,orig_bytes,resp_bytes,conn_state,missed_bytes," +
        "history,orig_pkts,resp_pkts,community_id,orig_state,resp_state,orig_transitions,resp_transitions,flags,end_reason");

    public override void OnConnection(in ConnectionView connection)
    {
        var r = connection.ToRecord();
        string[] values =
        [
            RecordFields.Time(r.Start), r.Uid, r.OriginatorAddress.ToString(), r.OriginatorPort.ToString(),
            r.ResponderAddress.ToString(), r.ResponderPort.ToString(), "tcp",
            r.Duration is { } d ? RecordFields.Seconds(d) : "",
            r.OriginatorBytes?.ToString() ?? "", r.ResponderBytes?.ToString() ?? "",
            r.ConnState.ToString(), r.MissedBytes.ToString(), r.History,
            r.OriginatorPackets.ToString(), r.ResponderPackets.ToString(), r.CommunityId,
            r.OriginatorState.ToRfcName(), r.ResponderState.ToRfcName(),
            RecordFields.Transitions(r.OriginatorTransitions), RecordFields.Transitions(r.ResponderTransitions),
            string.Join(' ', RecordFields.Flags(r.Flags)), RecordFields.EndReason(r.FinishReason),
        ];
        _writer.WriteLine(string.Join(',', values.Select(Quote)));
    }

    public override void Dispose() => _writer.Flush();

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
