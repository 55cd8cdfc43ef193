using System.Text;
using TcpState.Analysis;

namespace TcpState.Cli.Output;

/// <summary>One aligned row per connection for people reading a terminal, then the summary.</summary>
internal sealed class TableRecordWriter(Stream output) : RecordWriter
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(false), leaveOpen: true);
    private bool _headerWritten;

    public override void OnConnection(in ConnectionView connection)
    {
        var record = connection.ToRecord();
        if (!_headerWritten)
        {
            _writer.WriteLine($"{"ts",-17} {"uid",-18} {"originator",-22} {"responder",-22} {"state",-6} {"history",-12} {"orig_state",-11} {"resp_state",-11} {"duration",9}");
            _headerWritten = true;
        }
        _writer.WriteLine(
            $"{RecordFields.Time(record.Start),-17} {record.Uid,-18} {RecordFields.Endpoint(record, true),-22} " +
            $"{RecordFields.Endpoint(record, false),-22} {record.ConnState,-6} {record.History,-12} " +
            $"{record.OriginatorState.ToRfcName(),-11} {record.ResponderState.ToRfcName(),-11} " +
            $"{(record.Duration is { } d ? RecordFields.Seconds(d) : "-"),9}");
    }

    public override void End(RunReport report)
    {
        if (_headerWritten) _writer.WriteLine();
        _writer.Write(SummaryText.Render(report));
    }

    public override void Dispose() => _writer.Flush();
}
