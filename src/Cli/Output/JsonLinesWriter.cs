using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Records;
using TcpState.Analysis.Zeek;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Cli.Output;

/// <summary>
/// One JSON object per line. Connection lines carry Zeek's conn.log field names (so tools written for Zeek's JSON logs
/// read them) plus tcpstate's own; like Zeek, a field with no value is left out rather than written as null.
/// </summary>
internal sealed class JsonLinesWriter : RecordWriter
{
    /// <summary>Lines are gathered up to this many bytes before they go to the output in one write.</summary>
    private const int ChunkBytes = 1 << 16;

    /// <summary>Connections the tracker may be ahead of the formatting thread.</summary>
    private const int Pending = 256;

    private readonly Stream _output;
    // The writer fills a buffer rather than the stream: Utf8JsonWriter.Flush on a stream also flushes the stream, a
    // write system call per line, which cost a fifth of a json run.
    private readonly ArrayBufferWriter<byte> _lines = new(2 * ChunkBytes);
    private readonly Utf8JsonWriter _json;

    // With a formatting thread: the ring of connections copied out of the tracker, and how far each side has got.
    private readonly ConnectionLine[]? _pending;
    private readonly HandOffCounter? _copied, _formatted;
    private Thread? _formatter;
    private bool _stopping, _formatterFailed;
    private ExceptionDispatchInfo? _formatterFailure;
    private ConnectionLine _single;

    /// <param name="output">Where the lines go.</param>
    /// <param name="formatOnSecondThread">
    /// Format connections on a thread of their own, the tracker's thread only copying each one out: for a whole
    /// capture read at full speed, where formatting was a sixth of the tracker's thread. Lines come out in the same
    /// order; an output that interleaves its own lines with these (<see cref="WriteOut"/>) needs this off.
    /// </param>
    public JsonLinesWriter(Stream output, bool formatOnSecondThread = false)
    {
        _output = output;
        _json = new Utf8JsonWriter(_lines, JsonText.Options(skipValidation: true));
        if (formatOnSecondThread && Environment.ProcessorCount > 1)
        {
            _pending = new ConnectionLine[Pending];
            _copied = new HandOffCounter();
            _formatted = new HandOffCounter();
        }
    }

    /// <summary>
    /// Copies what the line needs out of the view into a <see cref="ConnectionLine"/>, then formats it here or hands it
    /// to the formatting thread. Not <see cref="ConnectionView.ToRecord"/>: the record's strings and lists were a
    /// handful of allocations per connection, and json is the format for whole captures.
    /// </summary>
    public override void OnConnection(in ConnectionView connection)
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
            _formatter = new Thread(FormatPending) { IsBackground = true, Name = "tcpstate json" };
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

    /// <summary>Waits for the formatting thread to write out every connection copied so far, and ends it.</summary>
    private void StopFormatter()
    {
        if (_formatter is null)
            return;
        Volatile.Write(ref _stopping, true);
        _copied!.Wake();
        _formatter.Join();
        _formatter = null;
        _formatterFailure?.Throw();
    }

    private void WriteConnection(in ConnectionLine line)
    {
        var json = _json;
        Span<char> text = stackalloc char[Math.Max(ConnectionView.MaxHistoryLength, CommunityId.Length)];
        json.WriteStartObject();
        json.WriteString(JsonNames.Record, JsonNames.Connection);
        RecordFields.WriteTime(json, JsonNames.Ts, line.Start);
        ConnectionUid.Write(line.OriginatorAddress, line.OriginatorPort, line.ResponderAddress, line.ResponderPort, line.Start,
            text[..ConnectionUid.Length]);
        json.WriteString(JsonNames.Uid, text[..ConnectionUid.Length]);
        RecordFields.WriteAddress(json, JsonNames.OrigH, line.OriginatorAddress);
        json.WriteNumber(JsonNames.OrigP, line.OriginatorPort);
        RecordFields.WriteAddress(json, JsonNames.RespH, line.ResponderAddress);
        json.WriteNumber(JsonNames.RespP, line.ResponderPort);
        json.WriteString(JsonNames.Proto, JsonNames.Tcp);
        if (line.Duration > 0)
        {
            RecordFields.WriteSeconds(json, JsonNames.Duration, line.Duration);
            json.WriteNumber(JsonNames.OrigBytes, line.OriginatorBytes);
            json.WriteNumber(JsonNames.RespBytes, line.ResponderBytes);
        }
        json.WriteString(JsonNames.ConnState, JsonNames.Of(line.ConnState));
        json.WriteNumber(JsonNames.MissedBytes, line.MissedBytes);
        json.WriteString(JsonNames.History, line.History[..line.HistoryLength]);
        json.WriteNumber(JsonNames.OrigPkts, line.OriginatorPackets);
        json.WriteNumber(JsonNames.RespPkts, line.ResponderPackets);
        CommunityId.Write(line.OriginatorAddress, line.OriginatorPort, line.ResponderAddress, line.ResponderPort,
            text[..CommunityId.Length]);
        json.WriteString(JsonNames.CommunityId, text[..CommunityId.Length]);
        json.WriteString(JsonNames.OrigState, JsonNames.Of(line.OriginatorState));
        json.WriteString(JsonNames.RespState, JsonNames.Of(line.ResponderState));
        WriteTransitions(JsonNames.OrigTransitions, line.Transitions[..line.OriginatorTransitions]);
        WriteTransitions(JsonNames.RespTransitions, line.Transitions[line.OriginatorTransitions..line.TransitionCount]);
        RecordFields.WriteFlags(json, JsonNames.Flags, line.Flags);
        json.WriteString(JsonNames.EndReason, RecordFields.EndReason(line.FinishReason));
        json.WriteEndObject();
        EndLine();
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
        StopFormatter();
        _copied?.Dispose();
        _formatted?.Dispose();
        _json.Flush();
        _json.Dispose();
        WriteOut();
        _output.Flush();
    }

    private void WriteTransitions(JsonEncodedText name, ReadOnlySpan<StateChange> transitions)
    {
        _json.WriteStartArray(name);
        foreach (var transition in transitions)
        {
            _json.WriteStartObject();
            _json.WriteString(JsonNames.State, JsonNames.Of(transition.State));
            RecordFields.WriteTime(_json, JsonNames.Ts, transition.Time);
            _json.WriteEndObject();
        }
        _json.WriteEndArray();
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

    /// <summary>What a connection's line needs, copied out of the tracker, which reuses its storage once told.</summary>
    private struct ConnectionLine
    {
        public PacketTime Start;
        public IpAddress OriginatorAddress, ResponderAddress;
        public ushort OriginatorPort, ResponderPort;
        public double Duration;
        public ulong OriginatorBytes, ResponderBytes, MissedBytes;
        public uint OriginatorPackets, ResponderPackets;
        public ConnState ConnState;
        public RfcState OriginatorState, ResponderState;
        public ConnectionFlags Flags;
        public FinishReason FinishReason;
        public int HistoryLength, OriginatorTransitions, TransitionCount;
        public HistoryText History;
        /// <summary>The originator's transitions, then the responder's: a connection records at most this many in all.</summary>
        public TransitionList Transitions;

        public void CopyFrom(in ConnectionView connection)
        {
            Start = connection.Start;
            OriginatorAddress = connection.OriginatorAddress;
            OriginatorPort = connection.OriginatorPort;
            ResponderAddress = connection.ResponderAddress;
            ResponderPort = connection.ResponderPort;
            // Zeek leaves duration and byte counts out when every packet has one timestamp (ConnectionView.HasDuration).
            Duration = connection.Duration;
            OriginatorBytes = connection.OriginatorBytes;
            ResponderBytes = connection.ResponderBytes;
            MissedBytes = connection.MissedBytes;
            OriginatorPackets = connection.OriginatorPackets;
            ResponderPackets = connection.ResponderPackets;
            ConnState = connection.ConnState;
            OriginatorState = connection.OriginatorState;
            ResponderState = connection.ResponderState;
            Flags = connection.Flags;
            FinishReason = connection.FinishReason;
            HistoryLength = connection.WriteHistory(History);
            OriginatorTransitions = connection.CopyTransitions(originator: true, Transitions);
            TransitionCount = OriginatorTransitions +
                connection.CopyTransitions(originator: false, ((Span<StateChange>)Transitions)[OriginatorTransitions..]);
        }
    }

    [InlineArray(ConnectionView.MaxHistoryLength)]
    private struct HistoryText
    {
        private char _first;
    }

    [InlineArray(ConnectionView.MaxTransitions)]
    private struct TransitionList
    {
        private StateChange _first;
    }
}
