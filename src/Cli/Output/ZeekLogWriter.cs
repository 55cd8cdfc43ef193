using System.Text;

namespace TcpState.Cli.Output;

/// <summary>
/// conn.log-style TSV: Zeek's header lines (#separator, #fields, #types ...) and its conventions ("-" unset,
/// "(empty)" for an empty set), so zeek-cut and scripts written for Zeek logs read it. tcpstate's own columns follow
/// Zeek's.
/// </summary>
internal sealed class ZeekLogWriter(Stream output, bool formatOnSecondThread = false)
    : ColumnsWriter(output, ColumnDialect.Zeek, formatOnSecondThread, "tcpstate zeek")
{
    public override void Begin()
    {
        WriteText("#separator \\x09\n");
        WriteText("#set_separator\t,\n");
        WriteText("#empty_field\t(empty)\n");
        WriteText("#unset_field\t-\n");
        WriteText("#path\tconn\n");
        WriteText($"#open\t{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}\n");
        WriteText("#fields\t" + string.Join('\t', ConnectionColumns.Names) + "\n");
        WriteText("#types\t" + string.Join('\t', ConnectionColumns.ZeekTypes) + "\n");
    }

    public override void End(RunReport report)
    {
        StopFormatter();
        WriteText($"#close\t{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}\n");
    }
}
