using System.Globalization;
using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Records;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Cli.Output;

/// <summary>How record values are spelled in every output format, so they agree with each other and with docs/.</summary>
internal static class RecordFields
{
    internal static readonly (ConnectionFlags Flag, string Name)[] FlagNames =
    [
        (ConnectionFlags.Midstream, "midstream"),
        (ConnectionFlags.FastOpen, "fast_open"),
        (ConnectionFlags.SimultaneousOpen, "simultaneous_open"),
        (ConnectionFlags.SimultaneousClose, "simultaneous_close"),
        (ConnectionFlags.PortReuse, "port_reuse"),
        (ConnectionFlags.SynWithData, "syn_with_data"),
        (ConnectionFlags.IsnChanged, "isn_changed"),
        (ConnectionFlags.BadHandshakeAck, "bad_handshake_ack"),
        (ConnectionFlags.RstOutOfWindow, "rst_out_of_window"),
        (ConnectionFlags.HistoryTruncated, "history_truncated"),
        (ConnectionFlags.TransitionsTruncated, "transitions_truncated"),
    ];

    public static IEnumerable<string> Flags(ConnectionFlags flags)
    {
        foreach (var (flag, name) in FlagNames)
            if ((flags & flag) != 0)
                yield return name;
    }

    public static string FlagName(ConnectionFlags flag) => FlagNames.First(f => f.Flag == flag).Name;

    public static string EndReason(FinishReason reason) => reason switch
    {
        FinishReason.Open => "open",
        FinishReason.Closed => "closed",
        FinishReason.TimeWaitExpired => "time_wait_expired",
        FinishReason.IdleTimeout => "idle_timeout",
        FinishReason.EndOfInput => "end_of_input",
        FinishReason.PortReused => "port_reused",
        FinishReason.Evicted => "evicted",
        _ => reason.ToString().ToLowerInvariant(),
    };

    /// <summary>Writes a time property as a JSON number with six decimals, without making a string.</summary>
    public static void WriteTime(Utf8JsonWriter json, JsonEncodedText name, PacketTime time)
    {
        Span<byte> text = stackalloc byte[PacketTime.MaxZeekLength];
        json.WritePropertyName(name);
        json.WriteRawValue(text[..time.FormatZeek(text)], skipInputValidation: true);
    }

    /// <summary>Writes an address property as a JSON string, without making a string for IPv4.</summary>
    public static void WriteAddress(Utf8JsonWriter json, JsonEncodedText name, IpAddress address)
    {
        Span<byte> text = stackalloc byte[IpAddress.MaxTextLength];
        json.WriteString(name, text[..address.FormatUtf8(text)]);
    }

    /// <summary>Durations in seconds, to the microsecond as Zeek writes them.</summary>
    public const string SecondsFormat = "0.000000";

    /// <summary>Seconds since the epoch with six decimals, as Zeek writes times.</summary>
    public static string Time(PacketTime time) => time.ToZeekString();

    public static string Seconds(double seconds) => seconds.ToString(SecondsFormat, CultureInfo.InvariantCulture);

    public static string Endpoint(ConnectionRecord record, bool originator)
    {
        var address = originator ? record.OriginatorAddress : record.ResponderAddress;
        var port = originator ? record.OriginatorPort : record.ResponderPort;
        return address.IsIpv4 ? $"{address}:{port}" : $"[{address}]:{port}";
    }
}
