using System.Text;
using TcpState.Analysis;

namespace TcpState.Cli.Output;

/// <summary>RFC 4180 CSV with a header row; the same columns as the Zeek format, empty where a value is unset.</summary>
internal sealed class CsvRecordWriter(Stream output) : RecordWriter
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\r\n" };

    public override void Begin() => _writer.WriteLine(string.Join(',', ConnectionColumns.Names));

    public override void OnConnection(in ConnectionView connection) =>
        _writer.WriteLine(string.Join(',', ConnectionColumns.Values(connection.ToRecord()).Select(v => Quote(v ?? ""))));

    public override void Dispose() => _writer.Flush();

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
