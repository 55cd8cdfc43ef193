using TcpState.Capture;

namespace TcpState.Analysis.Explain;

/// <summary>What an annotation on the ladder is about. Renderers turn each kind into words.</summary>
public enum LadderEventKind : byte
{
    /// <summary>Payload the sender had already sent.</summary>
    Retransmission,
    /// <summary>A SYN or SYN-ACK sent again with the same ISN.</summary>
    SynRetransmission,
    KeepAlive,
    ZeroWindow,
    ZeroWindowProbe,
    /// <summary>Wrong TCP checksum: the receiver drops it, so it moved no state.</summary>
    BadChecksum,
    SimultaneousOpen,
    SimultaneousClose,
    FastOpen,
    SynWithData,
    IsnChanged,
    BadSynAck,
    BadHandshakeAck,
    RstOutOfWindow,
    TimeWaitRestarted,
    /// <summary>The SYN-ACK looks like a SYN cookie (<see cref="SynCookieEvidence"/> says why).</summary>
    SynCookie,
    /// <summary>An anomaly a detector raised; <see cref="LadderAnnotation.Text"/> carries its id and message.</summary>
    Anomaly,
}

/// <summary>
/// A note on the ladder: something that happened at a packet (or at a time, placed at the packet seen at or just
/// before it) on one side, or on the connection as a whole when <see cref="Side"/> is null.
/// </summary>
public sealed record LadderAnnotation
{
    public required LadderEventKind Kind { get; init; }
    public required PacketTime Time { get; init; }
    public LadderSide? Side { get; init; }
    /// <summary>The packet it belongs to; -1 to place it by <see cref="Time"/>.</summary>
    public int PacketIndex { get; init; } = -1;
    /// <summary>Words for kinds that carry their own (anomalies); null for the rest.</summary>
    public string? Text { get; init; }
    /// <summary>Why a SYN-ACK looks like a SYN cookie, for <see cref="LadderEventKind.SynCookie"/>.</summary>
    public SynCookieEvidence? SynCookie { get; init; }
}

/// <summary>One endpoint changed RFC state, placed at the packet whose time the change carries (-1: a timer, no packet).</summary>
public readonly record struct LadderStateChange(LadderSide Side, RfcState From, RfcState To, PacketTime Time, int PacketIndex);
