namespace TcpState.Cli.Output;

/// <summary>RFC 4180 CSV with a header row; the same columns as the Zeek format, empty where a value is unset.</summary>
internal sealed class CsvRecordWriter(Stream output, bool formatOnSecondThread = false)
    : ColumnsWriter(output, ColumnDialect.Csv, formatOnSecondThread, "tcpstate csv")
{
    public override void Begin() => WriteText(string.Join(',', ConnectionColumns.Names) + "\r\n");

    public override void End(RunReport report) => StopFormatter();
}
