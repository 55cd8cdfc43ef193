using System.Buffers;
using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Records;

namespace TcpState.Cli.Output;

/// <summary>
/// One JSON object per line. Connection lines carry Zeek's conn.log field names (so tools written for Zeek's JSON logs
/// read them) plus tcpstate's own; like Zeek, a field with no value is left out rather than written as null.
/// </summary>
internal sealed class JsonLinesWriter : ConnectionLineWriter
{
    /// <summary>Lines are gathered up to this many bytes before they go to the output in one write.</summary>
    private const int ChunkBytes = 1 << 16;

    private readonly Stream _output;
    // The writer fills a buffer rather than the stream: Utf8JsonWriter.Flush on a stream also flushes the stream, a
    // write system call per line, which cost a fifth of a json run.
    private readonly ArrayBufferWriter<byte> _lines = new(2 * ChunkBytes);
    private readonly Utf8JsonWriter _json;

    /// <param name="output">Where the lines go.</param>
    /// <param name="formatOnSecondThread">
    /// Format connections on a thread of their own (<see cref="ConnectionLineWriter"/>); an output that interleaves
    /// its own lines with these (<see cref="WriteOut"/>) needs this off.
    /// </param>
    public JsonLinesWriter(Stream output, bool formatOnSecondThread = false)
        : base(formatOnSecondThread, "tcpstate json")
    {
        _output = output;
        _json = new Utf8JsonWriter(_lines, JsonText.Options(skipValidation: true));
    }

    protected override void WriteConnection(in ConnectionLine line)
    {
        JsonConnectionRecord.Write(line, _lines);
        if (_lines.WrittenCount >= ChunkBytes)
            WriteOut();
    }

    public override void End(RunReport report)
    {
        StopFormatter();
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
        DisposeFormatter();
        _json.Flush();
        _json.Dispose();
        WriteOut();
        _output.Flush();
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
