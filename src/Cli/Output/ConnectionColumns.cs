using System.Buffers;
using System.Globalization;
using System.Text;
using TcpState.Analysis;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Records;
using TcpState.Analysis.Zeek;

using static TcpState.Cli.Output.Utf8Values;

namespace TcpState.Cli.Output;

/// <summary>How a one-line format spells a row: Zeek's TSV conventions, or RFC 4180 CSV.</summary>
internal enum ColumnDialect
{
    /// <summary>Tab-separated; "-" for an unset value, "(empty)" for an empty set or vector; lines end in LF.</summary>
    Zeek,
    /// <summary>Comma-separated; empty for unset, quoted where a value holds a comma or quote; lines end in CRLF.</summary>
    Csv,
}

/// <summary>
/// The columns of the one-line-per-connection formats (zeek, csv), in order, with Zeek's type for each, and the row a
/// connection makes: written as UTF-8 straight from its <see cref="ConnectionLine"/>, without a string per value.
/// </summary>
internal static class ConnectionColumns
{
    private static readonly (string Name, string ZeekType)[] Columns =
    [
        ("ts", "time"),
        ("uid", "string"),
        ("id.orig_h", "addr"),
        ("id.orig_p", "port"),
        ("id.resp_h", "addr"),
        ("id.resp_p", "port"),
        ("proto", "enum"),
        ("duration", "interval"),
        ("orig_bytes", "count"),
        ("resp_bytes", "count"),
        ("conn_state", "string"),
        ("missed_bytes", "count"),
        ("history", "string"),
        ("orig_pkts", "count"),
        ("resp_pkts", "count"),
        ("community_id", "string"),
        ("orig_state", "string"),
        ("resp_state", "string"),
        ("orig_transitions", "vector[string]"),
        ("resp_transitions", "vector[string]"),
        ("flags", "set[string]"),
        ("end_reason", "string"),
    ];

    public static IEnumerable<string> Names => Columns.Select(c => c.Name);

    public static IEnumerable<string> ZeekTypes => Columns.Select(c => c.ZeekType);

    /// <summary>The most bytes one value takes: a connection's full transition list ("FIN_WAIT_2@1700000000.000000,...").</summary>
    private const int MaxValueBytes = ConnectionView.MaxTransitions * 48;

    /// <summary>Writes the connection's row, line end included.</summary>
    public static void Write(in ConnectionLine line, ColumnDialect dialect, IBufferWriter<byte> output)
    {
        var row = new Row(dialect, output);
        Span<byte> text = stackalloc byte[MaxValueBytes];
        Span<char> chars = stackalloc char[Math.Max(ConnectionUid.Length, CommunityId.Length)];

        row.Value(text[..line.Start.FormatZeek(text)]);
        ConnectionUid.Write(line.OriginatorAddress, line.OriginatorPort, line.ResponderAddress, line.ResponderPort, line.Start,
            chars[..ConnectionUid.Length]);
        row.Value(Ascii(chars[..ConnectionUid.Length], text));
        row.Value(text[..line.OriginatorAddress.FormatUtf8(text)]);
        row.Value(Number(line.OriginatorPort, text));
        row.Value(text[..line.ResponderAddress.FormatUtf8(text)]);
        row.Value(Number(line.ResponderPort, text));
        row.Value("tcp"u8);
        if (line.HasDuration)
        {
            row.Value(Seconds(line.Duration, text));
            row.Value(Number(line.OriginatorBytes, text));
            row.Value(Number(line.ResponderBytes, text));
        }
        else
        {
            row.Unset();
            row.Unset();
            row.Unset();
        }
        row.Value(Of(line.ConnState));
        row.Value(Number(line.MissedBytes, text));
        if (line.HistoryLength == 0)
            row.Unset();
        else
            row.Value(Ascii(((ReadOnlySpan<char>)line.History)[..line.HistoryLength], text));
        row.Value(Number(line.OriginatorPackets, text));
        row.Value(Number(line.ResponderPackets, text));
        CommunityId.Write(line.OriginatorAddress, line.OriginatorPort, line.ResponderAddress, line.ResponderPort,
            chars[..CommunityId.Length]);
        row.Value(Ascii(chars[..CommunityId.Length], text));
        row.Value(Of(line.OriginatorState));
        row.Value(Of(line.ResponderState));
        ReadOnlySpan<StateChange> transitions = line.Transitions;
        row.Collection(Transitions(transitions[..line.OriginatorTransitions], text));
        row.Collection(Transitions(transitions[line.OriginatorTransitions..line.TransitionCount], text));
        row.Collection(text[..FormatFlags(line.Flags, text)]);
        row.Value(Of(line.FinishReason));
        row.End();
    }

    /// <summary>"SYN_SENT@1700000000.000001,ESTABLISHED@..."</summary>
    private static ReadOnlySpan<byte> Transitions(scoped ReadOnlySpan<StateChange> transitions, Span<byte> text)
    {
        int length = 0;
        foreach (var transition in transitions)
        {
            if (length > 0) text[length++] = (byte)',';
            Of(transition.State).CopyTo(text[length..]);
            length += Of(transition.State).Length;
            text[length++] = (byte)'@';
            length += transition.Time.FormatZeek(text[length..]);
        }
        return text[..length];
    }

    /// <summary>One row being written: separators, the dialect's spelling of unset and empty values, CSV's quoting.</summary>
    private ref struct Row(ColumnDialect dialect, IBufferWriter<byte> output)
    {
        private bool _started;

        public void Value(scoped ReadOnlySpan<byte> value)
        {
            Separate();
            if (dialect == ColumnDialect.Csv && value.IndexOfAny(",\"\r\n"u8) >= 0)
                Quoted(value);
            else
                output.Write(value);
        }

        public void Unset()
        {
            Separate();
            if (dialect == ColumnDialect.Zeek)
                output.Write("-"u8);
        }

        /// <summary>A set or vector's members, comma-separated; Zeek spells none "(empty)".</summary>
        public void Collection(scoped ReadOnlySpan<byte> members)
        {
            if (members.IsEmpty && dialect == ColumnDialect.Zeek)
            {
                Separate();
                output.Write("(empty)"u8);
            }
            else
                Value(members);
        }

        public readonly void End() => output.Write(dialect == ColumnDialect.Zeek ? "\n"u8 : "\r\n"u8);

        private void Separate()
        {
            if (_started)
                output.Write(dialect == ColumnDialect.Zeek ? "\t"u8 : ","u8);
            _started = true;
        }

        private readonly void Quoted(scoped ReadOnlySpan<byte> value)
        {
            output.Write("\""u8);
            int quote;
            while ((quote = value.IndexOf((byte)'"')) >= 0)
            {
                output.Write(value[..(quote + 1)]);
                output.Write("\""u8);
                value = value[(quote + 1)..];
            }
            output.Write(value);
            output.Write("\""u8);
        }
    }
}
