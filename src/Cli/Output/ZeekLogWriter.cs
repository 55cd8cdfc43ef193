using System.Text;
using TcpState.Analysis;

namespace TcpState.Cli.Output;

/// <summary>
/// conn.log-style TSV: Zeek's header lines (#separator, #fields, #types ...) and its conventions ("-" unset,
/// "(empty)" for an empty set), so zeek-cut and scripts written for Zeek logs read it. tcpstate's own columns follow
/// Zeek's.
/// </summary>
internal sealed class ZeekLogWriter(Stream output) : RecordWriter
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };

    public override void Begin()
    {
        _writer.WriteLine("#separator \\x09");
        _writer.WriteLine("#set_separator\t,");
        _writer.WriteLine("#empty_field\t(empty)");
        _writer.WriteLine("#unset_field\t-");
        _writer.WriteLine("#path\tconn");
        _writer.WriteLine($"#open\t{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}");
        _writer.WriteLine("#fields\t" + string.Join('\t', ConnectionColumns.Names));
        _writer.WriteLine("#types\t" + string.Join('\t', ConnectionColumns.ZeekTypes));
    }

    public override void OnConnection(in ConnectionView connection)
    {
        var values = ConnectionColumns.Values(connection.ToRecord());
        for (int i = 0; i < values.Length; i++)
            values[i] = values[i] switch
            {
                null => "-",
                "" when ConnectionColumns.IsCollection(i) => "(empty)",
                var value => value,
            };
        _writer.WriteLine(string.Join('\t', values));
    }

    public override void End(RunReport report) => _writer.WriteLine($"#close\t{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}");

    public override void Dispose() => _writer.Flush();
}
