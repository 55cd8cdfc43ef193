using System.Buffers;
using TcpState.Analysis;
using TcpState.Analysis.Records;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using static TcpState.Cli.Output.Utf8Values;

namespace TcpState.Cli.Output;

/// <summary>
/// A connection's JSON line, written as UTF-8 straight from its <see cref="ConnectionLine"/>: the same bytes
/// <see cref="System.Text.Json.Utf8JsonWriter"/> wrote for it, without its checks. Every name and value on the line is ASCII that JSON
/// needs no escape for (the names below, numbers, addresses, state and flag names, Zeek's history letters, a base62 uid,
/// a base64 Community ID), so there is nothing to escape; through the writer, checking and copying property by property
/// was about half of the formatting thread's work on the 5M-packet trace.
/// </summary>
internal static class JsonConnectionRecord
{
    /// <summary>The longest line: the fixed part with the longest values, the longest history, every transition.</summary>
    private const int MaxBytes = 1024 + ConnectionView.MaxHistoryLength + ConnectionView.MaxTransitions * 64;

    /// <summary>Writes the connection's object and the line end.</summary>
    public static void Write(in ConnectionLine line, IBufferWriter<byte> output)
    {
        var json = new Line(output.GetSpan(MaxBytes));
        Span<byte> text = stackalloc byte[64];
        Span<char> chars = stackalloc char[Math.Max(ConnectionUid.Length, CommunityId.Length)];

        json.Add("{\"record\":\"connection\",\"ts\":"u8);
        json.Add(text[..line.Start.FormatZeek(text)]);
        json.Add(",\"uid\":\""u8);
        ConnectionUid.Write(line.OriginatorAddress, line.OriginatorPort, line.ResponderAddress, line.ResponderPort, line.Start,
            chars[..ConnectionUid.Length]);
        json.Add(Ascii(chars[..ConnectionUid.Length], text));
        json.Add("\",\"id.orig_h\":\""u8);
        json.Add(text[..line.OriginatorAddress.FormatUtf8(text)]);
        json.Add("\",\"id.orig_p\":"u8);
        json.Add(Number(line.OriginatorPort, text));
        json.Add(",\"id.resp_h\":\""u8);
        json.Add(text[..line.ResponderAddress.FormatUtf8(text)]);
        json.Add("\",\"id.resp_p\":"u8);
        json.Add(Number(line.ResponderPort, text));
        json.Add(",\"proto\":\"tcp\""u8);
        if (line.HasDuration)
        {
            json.Add(",\"duration\":"u8);
            json.Add(Seconds(line.Duration, text));
            json.Add(",\"orig_bytes\":"u8);
            json.Add(Number(line.OriginatorBytes, text));
            json.Add(",\"resp_bytes\":"u8);
            json.Add(Number(line.ResponderBytes, text));
        }
        json.Add(",\"conn_state\":\""u8);
        json.Add(Of(line.ConnState));
        json.Add("\",\"missed_bytes\":"u8);
        json.Add(Number(line.MissedBytes, text));
        json.Add(",\"history\":\""u8);
        json.Ascii(((ReadOnlySpan<char>)line.History)[..line.HistoryLength]);
        json.Add("\",\"orig_pkts\":"u8);
        json.Add(Number(line.OriginatorPackets, text));
        json.Add(",\"resp_pkts\":"u8);
        json.Add(Number(line.ResponderPackets, text));
        json.Add(",\"community_id\":\""u8);
        CommunityId.Write(line.OriginatorAddress, line.OriginatorPort, line.ResponderAddress, line.ResponderPort,
            chars[..CommunityId.Length]);
        json.Add(Ascii(chars[..CommunityId.Length], text));
        json.Add("\",\"orig_state\":\""u8);
        json.Add(Of(line.OriginatorState));
        json.Add("\",\"resp_state\":\""u8);
        json.Add(Of(line.ResponderState));
        ReadOnlySpan<StateChange> transitions = line.Transitions;
        json.Add("\",\"orig_transitions\":"u8);
        json.Transitions(transitions[..line.OriginatorTransitions]);
        json.Add(",\"resp_transitions\":"u8);
        json.Transitions(transitions[line.OriginatorTransitions..line.TransitionCount]);
        json.Add(",\"flags\":["u8);
        bool first = true;
        foreach (var (flag, name) in FlagNames)
        {
            if ((line.Flags & flag) == 0)
                continue;
            json.Add(first ? "\""u8 : ",\""u8);
            json.Add(name);
            json.Add("\""u8);
            first = false;
        }
        json.Add("],\"end_reason\":\""u8);
        json.Add(Of(line.FinishReason));
        json.Add("\"}\n"u8);
        output.Advance(json.Length);
    }

    private ref struct Line(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Length { get; private set; }

        public void Add(scoped ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_buffer[Length..]);
            Length += bytes.Length;
        }

        public void Ascii(scoped ReadOnlySpan<char> chars)
        {
            Utf8Values.Ascii(chars, _buffer[Length..]);
            Length += chars.Length;
        }

        public void Transitions(scoped ReadOnlySpan<StateChange> transitions)
        {
            Add("["u8);
            for (int i = 0; i < transitions.Length; i++)
            {
                Add(i == 0 ? "{\"state\":\""u8 : ",{\"state\":\""u8);
                Add(Of(transitions[i].State));
                Add("\",\"ts\":"u8);
                Length += transitions[i].Time.FormatZeek(_buffer[Length..]);
                Add("}"u8);
            }
            Add("]"u8);
        }
    }
}
