using System.Globalization;
using System.Text;
using TcpState.Analysis;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Zeek;

namespace TcpState.Cli.Output;

/// <summary>
/// The values of a connection's line as UTF-8, shared by the formats that write it byte by byte (zeek, csv, json):
/// fixed names encoded once, numbers and text formatted into the caller's buffer, no string per value.
/// </summary>
internal static class Utf8Values
{
    private static readonly byte[][] ConnStates = Enum.GetValues<ConnState>().Select(s => Encoding.ASCII.GetBytes(s.ToString())).ToArray();
    private static readonly byte[][] RfcStates = Enum.GetValues<RfcState>().Select(s => Encoding.ASCII.GetBytes(s.ToRfcName())).ToArray();
    private static readonly byte[][] EndReasons = Enum.GetValues<FinishReason>().Select(r => Encoding.ASCII.GetBytes(RecordFields.EndReason(r))).ToArray();

    /// <summary>The flags' names (<see cref="RecordFields.FlagNames"/>), in the same order.</summary>
    public static readonly (ConnectionFlags Flag, byte[] Name)[] FlagNames =
        RecordFields.FlagNames.Select(f => (f.Flag, Encoding.ASCII.GetBytes(f.Name))).ToArray();

    /// <summary>Zeek's name of the conn_state.</summary>
    public static ReadOnlySpan<byte> Of(ConnState state) => ConnStates[(int)state];

    /// <summary>The state's RFC 9293 name (<see cref="RfcStateNames.ToRfcName"/>).</summary>
    public static ReadOnlySpan<byte> Of(RfcState state) => RfcStates[(int)state];

    public static ReadOnlySpan<byte> Of(FinishReason reason) => EndReasons[(int)reason];

    public static ReadOnlySpan<byte> Number<T>(T value, Span<byte> text) where T : IUtf8SpanFormattable
    {
        value.TryFormat(text, out int written, default, CultureInfo.InvariantCulture);
        return text[..written];
    }

    /// <summary>A duration in seconds with six decimals (<see cref="RecordFields.SecondsFormat"/>).</summary>
    public static ReadOnlySpan<byte> Seconds(double seconds, Span<byte> text)
    {
        seconds.TryFormat(text, out int written, RecordFields.SecondsFormat, CultureInfo.InvariantCulture);
        return text[..written];
    }

    /// <summary>Writes the flags' names, comma-separated, into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int FormatFlags(ConnectionFlags flags, Span<byte> destination)
    {
        int length = 0;
        foreach (var (flag, name) in FlagNames)
        {
            if ((flags & flag) == 0)
                continue;
            if (length > 0)
                destination[length++] = (byte)',';
            name.CopyTo(destination[length..]);
            length += name.Length;
        }
        return length;
    }

    /// <summary>Text known to be ASCII (history letters, a uid, a Community ID), one byte per character.</summary>
    public static ReadOnlySpan<byte> Ascii(scoped ReadOnlySpan<char> chars, Span<byte> text)
    {
        for (int i = 0; i < chars.Length; i++)
            text[i] = (byte)chars[i];
        return text[..chars.Length];
    }
}
