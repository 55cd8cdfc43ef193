using System.Buffers;
using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Records;

namespace TcpState.Cli.Output;

/// <summary>
/// One JSON object per line. Connection lines carry Zeek's conn.log field names (so tools written for Zeek's JSON logs
/// read them) plus tcpstate's own; like Zeek, a field with no value is left out rather than written as null.
/// </summary>
internal sealed class JsonLinesWriter : RecordWriter
{
    /// <summary>Lines are gathered up to this many bytes before they go to the output in one write.</summary>
    private const int ChunkBytes = 1 << 16;

    private readonly Stream _output;
    // The writer fills a buffer rather than the stream: Utf8JsonWriter.Flush on a stream also flushes the stream, a
    // write system call per line, which cost a fifth of a json run.
    private readonly ArrayBufferWriter<byte> _lines = new(2 * ChunkBytes);
    private readonly Utf8JsonWriter _json;

    public JsonLinesWriter(Stream output)
    {
        _output = output;
        _json = new Utf8JsonWriter(_lines, new JsonWriterOptions { SkipValidation = true });
    }

    public override void OnConnection(in ConnectionView connection)
    {
        var record = connection.ToRecord();
        var json = _json;
        json.WriteStartObject();
        json.WriteString("record", "connection");
        RecordFields.WriteTime(json, "ts", record.Start);
        json.WriteString("uid", record.Uid);
        RecordFields.WriteAddress(json, "id.orig_h", record.OriginatorAddress);
        json.WriteNumber("id.orig_p", record.OriginatorPort);
        RecordFields.WriteAddress(json, "id.resp_h", record.ResponderAddress);
        json.WriteNumber("id.resp_p", record.ResponderPort);
        json.WriteString("proto", "tcp");
        if (record.Duration is { } duration)
            RecordFields.WriteSeconds(json, "duration", duration);
        if (record.OriginatorBytes is { } origBytes) json.WriteNumber("orig_bytes", origBytes);
        if (record.ResponderBytes is { } respBytes) json.WriteNumber("resp_bytes", respBytes);
        json.WriteString("conn_state", record.ConnState.ToString());
        json.WriteNumber("missed_bytes", record.MissedBytes);
        json.WriteString("history", record.History);
        json.WriteNumber("orig_pkts", record.OriginatorPackets);
        json.WriteNumber("resp_pkts", record.ResponderPackets);
        json.WriteString("community_id", record.CommunityId);
        json.WriteString("orig_state", record.OriginatorState.ToRfcName());
        json.WriteString("resp_state", record.ResponderState.ToRfcName());
        WriteTransitions("orig_transitions", record.OriginatorTransitions);
        WriteTransitions("resp_transitions", record.ResponderTransitions);
        json.WriteStartArray("flags");
        foreach (var flag in RecordFields.Flags(record.Flags))
            json.WriteStringValue(flag);
        json.WriteEndArray();
        json.WriteString("end_reason", RecordFields.EndReason(record.FinishReason));
        json.WriteEndObject();
        EndLine();
    }

    public override void End(RunReport report)
    {
        foreach (var anomaly in report.Anomalies)
        {
            AnomalyJson.Write(_json, anomaly);
            EndLine();
        }
        SummaryJson.Write(_json, report);
        EndLine();
        WriteOut();
    }

    public override void Dispose()
    {
        _json.Flush();
        _json.Dispose();
        WriteOut();
        _output.Flush();
    }

    private void WriteTransitions(string name, IReadOnlyList<StateChange> transitions)
    {
        _json.WriteStartArray(name);
        foreach (var transition in transitions)
        {
            _json.WriteStartObject();
            _json.WriteString("state", transition.State.ToRfcName());
            RecordFields.WriteTime(_json, "ts", transition.Time);
            _json.WriteEndObject();
        }
        _json.WriteEndArray();
    }

    private void EndLine()
    {
        _json.Flush();
        _lines.Write("\n"u8);
        _json.Reset(_lines);
        if (_lines.WrittenCount >= ChunkBytes)
            WriteOut();
    }

    /// <summary>Writes the lines gathered so far to the output (not flushing it): for outputs that interleave their own.</summary>
    public void WriteOut()
    {
        _output.Write(_lines.WrittenSpan);
        _lines.ResetWrittenCount();
    }
}
