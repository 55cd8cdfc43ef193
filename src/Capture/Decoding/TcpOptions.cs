namespace TcpState.Capture.Decoding;

/// <summary>
/// The TCP options tcpstate uses, parsed once by the decoder. Absent values are marked explicitly
/// (MSS 0, window scale -1) so the struct needs no nullable wrappers and no allocation.
/// </summary>
public struct TcpOptions
{
    /// <summary>Maximum segment size (kind 2); 0 when absent.</summary>
    public ushort Mss;

    /// <summary>Window scale shift count (kind 3); -1 when absent. Values above 14 are kept as sent (RFC 7323 §2.3 caps use at 14).</summary>
    public sbyte WindowScale;

    /// <summary>SACK permitted (kind 4).</summary>
    public bool SackPermitted;

    /// <summary>Number of SACK blocks (kind 5), 0 when absent.</summary>
    public byte SackBlockCount;

    /// <summary>The first SACK block's left and right edges, when <see cref="SackBlockCount"/> &gt; 0.</summary>
    public uint FirstSackLeft, FirstSackRight;

    /// <summary>Timestamps (kind 8).</summary>
    public bool HasTimestamp;
    public uint TimestampValue, TimestampEcho;

    /// <summary>TCP Fast Open (kind 34, or the experimental kind 254 with magic 0xF989, RFC 7413 §4.1.1).</summary>
    public bool HasFastOpen;

    /// <summary>Length of the Fast Open cookie; 0 for a cookie request.</summary>
    public byte FastOpenCookieLength;

    /// <summary>True when the option list ran past the header or had a zero/one length; options parsed before that are kept.</summary>
    public bool Malformed;

    public static TcpOptions None => new() { WindowScale = -1 };
}
