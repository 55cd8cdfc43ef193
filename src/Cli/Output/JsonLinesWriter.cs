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
        _json = new Utf8JsonWriter(_lines, JsonText.Options(skipValidation: true));
    }

    /// <summary>
    /// Written from the view itself, not from <see cref="ConnectionView.ToRecord"/>: the record's strings and lists were
    /// a handful of allocations per connection, and json is the format for whole captures.
    /// </summary>
    public override void OnConnection(in ConnectionView connection)
    {
        var json = _json;
        Span<char> text = stackalloc char[Math.Max(ConnectionView.MaxHistoryLength, CommunityId.Length)];
        json.WriteStartObject();
        json.WriteString(JsonNames.Record, JsonNames.Connection);
        RecordFields.WriteTime(json, JsonNames.Ts, connection.Start);
        connection.WriteUid(text[..ConnectionUid.Length]);
        json.WriteString(JsonNames.Uid, text[..ConnectionUid.Length]);
        RecordFields.WriteAddress(json, JsonNames.OrigH, connection.OriginatorAddress);
        json.WriteNumber(JsonNames.OrigP, connection.OriginatorPort);
        RecordFields.WriteAddress(json, JsonNames.RespH, connection.ResponderAddress);
        json.WriteNumber(JsonNames.RespP, connection.ResponderPort);
        json.WriteString(JsonNames.Proto, JsonNames.Tcp);
        if (connection.HasDuration)
        {
            RecordFields.WriteSeconds(json, JsonNames.Duration, connection.Duration);
            json.WriteNumber(JsonNames.OrigBytes, connection.OriginatorBytes);
            json.WriteNumber(JsonNames.RespBytes, connection.ResponderBytes);
        }
        json.WriteString(JsonNames.ConnState, JsonNames.Of(connection.ConnState));
        json.WriteNumber(JsonNames.MissedBytes, connection.MissedBytes);
        json.WriteString(JsonNames.History, text[..connection.WriteHistory(text)]);
        json.WriteNumber(JsonNames.OrigPkts, connection.OriginatorPackets);
        json.WriteNumber(JsonNames.RespPkts, connection.ResponderPackets);
        connection.WriteCommunityId(text[..CommunityId.Length]);
        json.WriteString(JsonNames.CommunityId, text[..CommunityId.Length]);
        json.WriteString(JsonNames.OrigState, JsonNames.Of(connection.OriginatorState));
        json.WriteString(JsonNames.RespState, JsonNames.Of(connection.ResponderState));
        Span<StateChange> changes = stackalloc StateChange[ConnectionView.MaxTransitions];
        WriteTransitions(JsonNames.OrigTransitions, changes[..connection.CopyTransitions(originator: true, changes)]);
        WriteTransitions(JsonNames.RespTransitions, changes[..connection.CopyTransitions(originator: false, changes)]);
        RecordFields.WriteFlags(json, JsonNames.Flags, connection.Flags);
        json.WriteString(JsonNames.EndReason, RecordFields.EndReason(connection.FinishReason));
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

    private void WriteTransitions(JsonEncodedText name, ReadOnlySpan<StateChange> transitions)
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
