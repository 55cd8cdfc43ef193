namespace TcpState.Capture.Decoding;

/// <summary>The TCP header's flag bits (RFC 9293 §3.1, plus ECE/CWR from RFC 3168 and AE from RFC 9768).</summary>
[Flags]
public enum TcpFlags : ushort
{
    None = 0,
    Fin = 0x001,
    Syn = 0x002,
    Rst = 0x004,
    Psh = 0x008,
    Ack = 0x010,
    Urg = 0x020,
    Ece = 0x040,
    Cwr = 0x080,
    Ae = 0x100,
}

public static class TcpFlagsExtensions
{
    public static bool Has(this TcpFlags flags, TcpFlags flag) => (flags & flag) == flag;

    /// <summary>tcpdump's notation: S, F, R, P, ., U, E, W; "." for ACK.</summary>
    public static string ToTcpdumpString(this TcpFlags flags)
    {
        Span<char> buffer = stackalloc char[9];
        int n = 0;
        if (flags.Has(TcpFlags.Syn)) buffer[n++] = 'S';
        if (flags.Has(TcpFlags.Fin)) buffer[n++] = 'F';
        if (flags.Has(TcpFlags.Rst)) buffer[n++] = 'R';
        if (flags.Has(TcpFlags.Psh)) buffer[n++] = 'P';
        if (flags.Has(TcpFlags.Urg)) buffer[n++] = 'U';
        if (flags.Has(TcpFlags.Ece)) buffer[n++] = 'E';
        if (flags.Has(TcpFlags.Cwr)) buffer[n++] = 'W';
        if (flags.Has(TcpFlags.Ack)) buffer[n++] = '.';
        return n == 0 ? "none" : new string(buffer[..n]);
    }
}
