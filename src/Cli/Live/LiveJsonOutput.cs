using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Records;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Cli.Output;

namespace TcpState.Cli.Live;

/// <summary>
/// A live capture as JSON lines: <c>connection</c> when a connection ends, <c>anomaly</c> when one fires,
/// <c>stats</c> every status interval, <c>transition</c> for each state change (with <c>--events transitions</c>),
/// <c>summary</c> at the end. Lines are buffered and flushed by the capture loop at least every 100 ms and whenever
/// the link goes quiet, so a pipe sees each line promptly while a busy capture does not pay a write per line.
/// </summary>
/// <remarks>
/// An anomaly keeps growing after it is raised; at the end of the run every anomaly is written once more with its final
/// figures (as <c>read</c> writes them) before the summary, so the last line for an (id, subject) is the final one.
/// </remarks>
internal sealed class LiveJsonOutput : ILiveOutput, IConnectionObserver, IDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly Stream _output;
    private readonly JsonLinesWriter _records;
    private readonly Utf8JsonWriter _json;

    public LiveJsonOutput(Stream output)
    {
        _output = output;
        _records = new JsonLinesWriter(output);
        _json = new Utf8JsonWriter(output, JsonText.Options(skipValidation: true));
    }

    public void OnConnection(in ConnectionView connection) => _records.OnConnection(connection);

    public void OnRaised(Anomaly anomaly)
    {
        AnomalyJson.Write(_json, anomaly);
        EndLine();
    }

    public void OnStatus(LiveStatus status)
    {
        LiveStatsJson.Write(_json, status);
        EndLine();
    }

    public void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time)
    {
        var json = _json;
        json.WriteStartObject();
        json.WriteString("record", "transition");
        RecordFields.WriteTime(json, JsonNames.Ts, time);
        Span<char> uid = stackalloc char[ConnectionUid.Length];
        connection.WriteUid(uid);
        json.WriteString(JsonNames.Uid, uid);
        RecordFields.WriteAddress(json, JsonNames.OrigH, connection.OriginatorAddress);
        json.WriteNumber(JsonNames.OrigP, connection.OriginatorPort);
        RecordFields.WriteAddress(json, JsonNames.RespH, connection.ResponderAddress);
        json.WriteNumber(JsonNames.RespP, connection.ResponderPort);
        json.WriteString("side", originator ? "orig" : "resp");
        json.WriteString("from", JsonNames.Of(from));
        json.WriteString("to", JsonNames.Of(to));
        json.WriteEndObject();
        EndLine();
    }

    public void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
    }

    public void OnNote(in ConnectionView connection, StateMachineNote note, bool originator, PacketTime time)
    {
    }

    public void OnFinished(in ConnectionView connection)
    {
    }

    public void OnClock(PacketTime now)
    {
    }

    public void Flush()
    {
        _records.WriteOut();
        _output.Flush();
    }

    /// <summary>Every anomaly with its final figures, then the summary line.</summary>
    public void End(RunReport report)
    {
        _records.End(report);
        _output.Flush();
    }

    public void Dispose()
    {
        _records.Dispose();
        _json.Dispose();
        _output.Flush();
    }

    private void EndLine()
    {
        // Connection lines gathered by the records writer go first, so the stream keeps the order things happened in.
        _records.WriteOut();
        _json.Flush();
        _output.Write(NewLine);
        _json.Reset(_output);
    }
}
