using System.Runtime.ExceptionServices;
using TcpState.Analysis;

namespace TcpState.Cli.Output;

/// <summary>
/// A format with a line per connection. Each finished connection is copied out of the tracker into a
/// <see cref="ConnectionLine"/> and formatted from that: on the tracker's thread, or on a thread of its own for a
/// whole capture read at full speed, where formatting was a sixth of the tracker's thread. Lines come out in the same
/// order either way.
/// </summary>
internal abstract class ConnectionLineWriter : RecordWriter
{
    /// <summary>Connections the tracker may be ahead of the formatting thread.</summary>
    private const int Pending = 256;

    private readonly string _threadName;

    // With a formatting thread: the ring of connections copied out of the tracker, and how far each side has got.
    private readonly ConnectionLine[]? _pending;
    private readonly HandOffCounter? _copied, _formatted;
    private Thread? _formatter;
    private bool _stopping, _formatterFailed;
    private ExceptionDispatchInfo? _formatterFailure;
    private ConnectionLine _single;

    /// <param name="formatOnSecondThread">
    /// Format connections on a thread of their own, the tracker's thread only copying each one out. An output that
    /// interleaves its own lines with these (live's json) needs this off.
    /// </param>
    /// <param name="threadName">The formatting thread's name, as tools that list threads show it.</param>
    protected ConnectionLineWriter(bool formatOnSecondThread, string threadName)
    {
        _threadName = threadName;
        if (formatOnSecondThread && Environment.ProcessorCount > 1)
        {
            _pending = new ConnectionLine[Pending];
            _copied = new HandOffCounter();
            _formatted = new HandOffCounter();
        }
    }

    /// <summary>Writes one connection's line; on the formatting thread when there is one.</summary>
    protected abstract void WriteConnection(in ConnectionLine line);

    /// <summary>
    /// Copies what the line needs out of the view, then formats it here or hands it to the formatting thread. Not
    /// <see cref="ConnectionView.ToRecord"/>: the record's strings and lists were a handful of allocations per
    /// connection.
    /// </summary>
    public sealed override void OnConnection(in ConnectionView connection)
    {
        if (_pending is null)
        {
            _single.CopyFrom(connection);
            WriteConnection(_single);
            return;
        }
        _formatterFailure?.Throw();
        long copied = _copied!.Value;
        if (copied - _formatted!.Value >= Pending)
        {
            _formatted.WaitFor(copied - Pending + Pending / 2, ref _formatterFailed);
            _formatterFailure?.Throw();
        }
        _pending[copied % Pending].CopyFrom(connection);
        _copied.Advance(copied + 1);
        if (_formatter is null)
        {
            _formatter = new Thread(FormatPending) { IsBackground = true, Name = _threadName };
            _formatter.Start();
        }
    }

    /// <summary>
    /// The formatting thread: every copied connection in order, until told to stop with none left. Formatting is the
    /// quicker side, so once it has caught up it waits for a quarter of the ring to fill rather than for the next
    /// connection: a wake-up per connection would cost the tracker's thread a system call each.
    /// </summary>
    private void FormatPending()
    {
        long next = 0;
        try
        {
            while (true)
            {
                long copied = _copied!.Value;
                if (copied <= next)
                {
                    _copied.WaitFor(next + Pending / 4, ref _stopping);
                    copied = _copied.Value;
                    if (copied <= next)
                        break; // stopping, and nothing left
                }
                for (; next < copied; next++)
                {
                    WriteConnection(_pending![next % Pending]);
                    _formatted!.Advance(next + 1);
                }
            }
        }
        catch (Exception e)
        {
            _formatterFailure = ExceptionDispatchInfo.Capture(e);
            Volatile.Write(ref _formatterFailed, true);
            _formatted!.Wake();
        }
    }

    /// <summary>
    /// Waits for the formatting thread to write out every connection copied so far, and ends it: before anything else
    /// is written, and before the output is flushed.
    /// </summary>
    protected void StopFormatter()
    {
        if (_formatter is null)
            return;
        Volatile.Write(ref _stopping, true);
        _copied!.Wake();
        _formatter.Join();
        _formatter = null;
        _formatterFailure?.Throw();
    }

    /// <summary>Ends the formatting thread and releases what it waited on; the caller flushes its output after.</summary>
    protected void DisposeFormatter()
    {
        StopFormatter();
        _copied?.Dispose();
        _formatted?.Dispose();
    }
}
