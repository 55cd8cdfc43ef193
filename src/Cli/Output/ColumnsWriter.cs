using System.Buffers;
using System.Text;

namespace TcpState.Cli.Output;

/// <summary>
/// The zeek and csv formats: a row of <see cref="ConnectionColumns"/> per connection, gathered as UTF-8 and written
/// out in chunks.
/// </summary>
internal abstract class ColumnsWriter : ConnectionLineWriter
{
    /// <summary>Rows are gathered up to this many bytes before they go to the output in one write.</summary>
    private const int ChunkBytes = 1 << 16;

    private readonly Stream _output;
    private readonly ColumnDialect _dialect;
    private readonly ArrayBufferWriter<byte> _rows = new(2 * ChunkBytes);

    protected ColumnsWriter(Stream output, ColumnDialect dialect, bool formatOnSecondThread, string threadName)
        : base(formatOnSecondThread, threadName)
    {
        _output = output;
        _dialect = dialect;
    }

    protected override void WriteConnection(in ConnectionLine line)
    {
        ConnectionColumns.Write(line, _dialect, _rows);
        if (_rows.WrittenCount >= ChunkBytes)
            WriteOut();
    }

    /// <summary>A header or trailer line, not while the formatting thread may be writing.</summary>
    protected void WriteText(string text) => _rows.Write(Encoding.UTF8.GetBytes(text));

    public override void Dispose()
    {
        DisposeFormatter();
        WriteOut();
        _output.Flush();
    }

    private void WriteOut()
    {
        _output.Write(_rows.WrittenSpan);
        _rows.ResetWrittenCount();
    }
}
