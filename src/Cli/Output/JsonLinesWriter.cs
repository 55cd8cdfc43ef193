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
        json.WriteString(JsonNames.Record, JsonNames.Connection);
        RecordFields.WriteTime(json, JsonNames.Ts, record.Start);
        json.WriteString(JsonNames.Uid, record.Uid);
        RecordFields.WriteAddress(json, JsonNames.OrigH, record.OriginatorAddress);
        json.WriteNumber(JsonNames.OrigP, record.OriginatorPort);
        RecordFields.WriteAddress(json, JsonNames.RespH, record.ResponderAddress);
        json.WriteNumber(JsonNames.RespP, record.ResponderPort);
        json.WriteString(JsonNames.Proto, JsonNames.Tcp);
        if (record.Duration is { } duration)
            RecordFields.WriteSeconds(json, JsonNames.Duration, duration);
        if (record.OriginatorBytes is { } origBytes) json.WriteNumber(JsonNames.OrigBytes, origBytes);
        if (record.ResponderBytes is { } respBytes) json.WriteNumber(JsonNames.RespBytes, respBytes);
        json.WriteString(JsonNames.ConnState, record.ConnState.ToString());
        json.WriteNumber(JsonNames.MissedBytes, record.MissedBytes);
        json.WriteString(JsonNames.History, record.History);
        json.WriteNumber(JsonNames.OrigPkts, record.OriginatorPackets);
        json.WriteNumber(JsonNames.RespPkts, record.ResponderPackets);
        json.WriteString(JsonNames.CommunityId, record.CommunityId);
        json.WriteString(JsonNames.OrigState, JsonNames.Of(record.OriginatorState));
        json.WriteString(JsonNames.RespState, JsonNames.Of(record.ResponderState));
        WriteTransitions(JsonNames.OrigTransitions, record.OriginatorTransitions);
        WriteTransitions(JsonNames.RespTransitions, record.ResponderTransitions);
        json.WriteStartArray(JsonNames.Flags);
        foreach (var flag in RecordFields.Flags(record.Flags))
            json.WriteStringValue(flag);
        json.WriteEndArray();
        json.WriteString(JsonNames.EndReason, RecordFields.EndReason(record.FinishReason));
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

    private void WriteTransitions(JsonEncodedText name, IReadOnlyList<StateChange> transitions)
    {
        _json.WriteStartArray(name);
        foreach (var transition in transitions)
        {
            _json.WriteStartObject();
            _json.WriteString(JsonNames.State, JsonNames.Of(transition.State));
            RecordFields.WriteTime(_json, JsonNames.Ts, transition.Time);
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
