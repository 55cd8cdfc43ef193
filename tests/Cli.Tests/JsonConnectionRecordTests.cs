using System.Buffers;
using System.Text;
using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Records;
using TcpState.Analysis.Zeek;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Cli.Output;

namespace TcpState.Cli.Tests;

/// <summary>
/// A connection's JSON line is written byte by byte (<see cref="JsonConnectionRecord"/>), not through a JSON writer, so
/// these check what a writer would have guaranteed: it parses, every field is where and what it should be, and the
/// optional parts (several flags, no duration, an empty side of transitions, IPv6) are spelled right.
/// </summary>
public class JsonConnectionRecordTests
{
    private static readonly long Start = 1_700_000_000L * PacketTime.NanosecondsPerSecond + 123_456_000;

    [Fact]
    public void A_line_with_every_field_parses_to_the_connection_it_was_written_from()
    {
        var line = Line(duration: 1.5, ConnectionFlags.Midstream | ConnectionFlags.PortReuse | ConnectionFlags.RstOutOfWindow);

        string text = Write(line);
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;

        Assert.EndsWith("}\n", text);
        Assert.Equal(
            ["record", "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "duration", "orig_bytes",
             "resp_bytes", "conn_state", "missed_bytes", "history", "orig_pkts", "resp_pkts", "community_id", "orig_state",
             "resp_state", "orig_transitions", "resp_transitions", "flags", "end_reason"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("connection", root.GetProperty("record").GetString());
        Assert.Contains("\"ts\":1700000000.123456,", text);
        Assert.Equal(18, root.GetProperty("uid").GetString()!.Length);
        Assert.Equal("2001:db8::1", root.GetProperty("id.orig_h").GetString());
        Assert.Equal(51_000, root.GetProperty("id.orig_p").GetInt32());
        Assert.Equal("2001:db8::2", root.GetProperty("id.resp_h").GetString());
        Assert.Equal(443, root.GetProperty("id.resp_p").GetInt32());
        Assert.Equal("tcp", root.GetProperty("proto").GetString());
        Assert.Contains("\"duration\":1.500000,", text);
        Assert.Equal(12_345_678_901UL, root.GetProperty("orig_bytes").GetUInt64());
        Assert.Equal(7UL, root.GetProperty("resp_bytes").GetUInt64());
        Assert.Equal("RSTO", root.GetProperty("conn_state").GetString());
        Assert.Equal(3UL, root.GetProperty("missed_bytes").GetUInt64());
        Assert.Equal("ShADadR", root.GetProperty("history").GetString());
        Assert.Equal(4_000_000_000U, root.GetProperty("orig_pkts").GetUInt32());
        Assert.Equal(9U, root.GetProperty("resp_pkts").GetUInt32());
        // base64: its '+' and '/' stay as they are, so the ID greps the same as Zeek's.
        Assert.StartsWith("1:", root.GetProperty("community_id").GetString());
        Assert.DoesNotContain("\\u", text);
        Assert.Equal("CLOSED", root.GetProperty("orig_state").GetString());
        Assert.Equal("CLOSE_WAIT", root.GetProperty("resp_state").GetString());
        Assert.Equal(["SYN_SENT", "ESTABLISHED", "CLOSED"],
            root.GetProperty("orig_transitions").EnumerateArray().Select(t => t.GetProperty("state").GetString()));
        Assert.Contains("{\"state\":\"SYN_SENT\",\"ts\":1700000000.123456}", text);
        Assert.Equal(["ESTABLISHED", "CLOSE_WAIT"],
            root.GetProperty("resp_transitions").EnumerateArray().Select(t => t.GetProperty("state").GetString()));
        Assert.Equal(["midstream", "port_reuse", "rst_out_of_window"],
            root.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("evicted", root.GetProperty("end_reason").GetString());
    }

    [Fact]
    public void Without_a_duration_the_byte_counts_are_left_out_like_Zeek_and_empty_lists_stay_lists()
    {
        var line = Line(duration: 0, ConnectionFlags.None);
        line.OriginatorTransitions = 0;
        line.TransitionCount = 0;
        line.HistoryLength = 0;

        string text = Write(line);
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;

        Assert.False(root.TryGetProperty("duration", out _));
        Assert.False(root.TryGetProperty("orig_bytes", out _));
        Assert.False(root.TryGetProperty("resp_bytes", out _));
        Assert.Equal("", root.GetProperty("history").GetString());
        Assert.Contains("\"orig_transitions\":[],\"resp_transitions\":[],\"flags\":[],", text);
    }

    private static string Write(in ConnectionLine line)
    {
        var output = new ArrayBufferWriter<byte>();
        JsonConnectionRecord.Write(line, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static ConnectionLine Line(double duration, ConnectionFlags flags)
    {
        var line = new ConnectionLine
        {
            Start = new PacketTime(Start),
            OriginatorAddress = IpAddress.Parse("2001:db8::1"),
            OriginatorPort = 51_000,
            ResponderAddress = IpAddress.Parse("2001:db8::2"),
            ResponderPort = 443,
            Duration = duration,
            OriginatorBytes = 12_345_678_901,
            ResponderBytes = 7,
            MissedBytes = 3,
            OriginatorPackets = 4_000_000_000,
            ResponderPackets = 9,
            ConnState = ConnState.RSTO,
            OriginatorState = RfcState.Closed,
            ResponderState = RfcState.CloseWait,
            Flags = flags,
            FinishReason = FinishReason.Evicted,
        };
        "ShADadR".AsSpan().CopyTo(line.History);
        line.HistoryLength = 7;
        Span<StateChange> transitions = line.Transitions;
        transitions[0] = new StateChange(RfcState.SynSent, new PacketTime(Start));
        transitions[1] = new StateChange(RfcState.Established, new PacketTime(Start + 1_000));
        transitions[2] = new StateChange(RfcState.Closed, new PacketTime(Start + 2_000_000));
        transitions[3] = new StateChange(RfcState.Established, new PacketTime(Start + 1_500));
        transitions[4] = new StateChange(RfcState.CloseWait, new PacketTime(Start + 1_000_000));
        line.OriginatorTransitions = 3;
        line.TransitionCount = 5;
        return line;
    }
}
