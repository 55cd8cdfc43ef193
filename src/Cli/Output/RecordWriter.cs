using TcpState.Analysis;

namespace TcpState.Cli.Output;

/// <summary>Writes connection records in one output format as they finish, then the run's summary if the format has one.</summary>
internal abstract class RecordWriter : IConnectionSink, IDisposable
{
    public virtual void Begin() { }

    public abstract void OnConnection(in ConnectionView connection);

    public virtual void End(RunReport report) { }

    public abstract void Dispose();

    public static RecordWriter Create(OutputFormat format, Stream output) => format switch
    {
        OutputFormat.Summary => new SummaryTextWriter(output),
        OutputFormat.Table => new TableRecordWriter(output),
        OutputFormat.Json => new JsonLinesWriter(output, formatOnSecondThread: true),
        OutputFormat.Zeek => new ZeekLogWriter(output, formatOnSecondThread: true),
        OutputFormat.Csv => new CsvRecordWriter(output, formatOnSecondThread: true),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
