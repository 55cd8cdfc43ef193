using TcpState.Capture;

namespace TcpState.Analysis.Explain;

/// <summary>One row group of the ladder, in time order: a packet, a folded run of packets, or a timer firing.</summary>
public abstract record LadderStep(PacketTime Time);

/// <summary>
/// A packet with its numbers relative to each side's ISN (as Wireshark shows them), the state changes it caused on
/// either side and what is notable about it.
/// </summary>
public sealed record PacketStep(
    LadderPacket Packet,
    uint RelativeSequence,
    uint? RelativeAcknowledgment,
    IReadOnlyList<LadderStateChange> StateChanges,
    IReadOnlyList<LadderAnnotation> Annotations) : LadderStep(Packet.Time);

/// <summary>A run of plain data and ACK packets summarised in one line.</summary>
public sealed record FoldedStep(PacketTime Time) : LadderStep(Time)
{
    public required int FirstIndex { get; init; }
    public required int LastIndex { get; init; }
    public required PacketTime End { get; init; }
    public int Packets => LastIndex - FirstIndex + 1;
    public required int OriginatorDataSegments { get; init; }
    public required int ResponderDataSegments { get; init; }
    /// <summary>Payload bytes the originator sent in the run (retransmissions included: what crossed the wire).</summary>
    public required ulong OriginatorBytes { get; init; }
    public required ulong ResponderBytes { get; init; }
    /// <summary>Packets with no payload (acknowledgments only).</summary>
    public required int PureAcks { get; init; }
    public required int Retransmissions { get; init; }
}

/// <summary>State changes that no packet caused: a timer on packet time (TIME_WAIT's 2MSL).</summary>
public sealed record TimerStep(PacketTime Time, IReadOnlyList<LadderStateChange> StateChanges) : LadderStep(Time);
