namespace TcpState.Analysis;

/// <summary>One endpoint as the wire has shown it so far: its RFC state and the sequence numbers it has used.</summary>
public readonly record struct EndpointSnapshot
{
    public RfcState State { get; init; }
    public bool HasIsn { get; init; }
    public uint Isn { get; init; }
    /// <summary>One past the highest sequence number it has sent.</summary>
    public uint SendNext { get; init; }
    public bool FinSent { get; init; }
    public uint FinSequence { get; init; }
    public bool HasAcked { get; init; }
    /// <summary>The highest acknowledgment number it has sent.</summary>
    public uint LastAck { get; init; }
    /// <summary>The window field of its latest segment, unscaled.</summary>
    public ushort Window { get; init; }
    /// <summary>The window scale shift in force, or -1 while unknown (no handshake seen).</summary>
    public int WindowShift { get; init; }
    /// <summary>Packets it sent that moved the analysis.</summary>
    public uint Packets { get; init; }

    /// <summary>The advertised window in bytes, or null while the scale is unknown.</summary>
    public ulong? ScaledWindow => WindowShift < 0 ? null : (ulong)Window << WindowShift;
}
