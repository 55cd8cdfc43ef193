using TcpState.Analysis.Connections;
using TcpState.Analysis.Zeek;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Records;

/// <summary>
/// One connection's final record. Field meanings follow Zeek's conn.log where the concept is the same
/// (<c>ts</c>, <c>uid</c>, <c>id.*</c>, <c>duration</c>, <c>*_bytes</c>, <c>conn_state</c>, <c>missed_bytes</c>,
/// <c>history</c>, <c>*_pkts</c>, <c>community_id</c>); the RFC states, transitions and flags are tcpstate's own.
/// </summary>
public sealed class ConnectionRecord
{
    public PacketTime Start { get; init; }
    public required string Uid { get; init; }
    public IpAddress OriginatorAddress { get; init; }
    public ushort OriginatorPort { get; init; }
    public IpAddress ResponderAddress { get; init; }
    public ushort ResponderPort { get; init; }
    /// <summary>Null when every packet had the same timestamp (as Zeek leaves it unset).</summary>
    public double? Duration { get; init; }
    public ulong? OriginatorBytes { get; init; }
    public ulong? ResponderBytes { get; init; }
    public ConnState ConnState { get; init; }
    public ulong MissedBytes { get; init; }
    public required string History { get; init; }
    public uint OriginatorPackets { get; init; }
    public uint ResponderPackets { get; init; }
    public required string CommunityId { get; init; }
    public RfcState OriginatorState { get; init; }
    public RfcState ResponderState { get; init; }
    public required IReadOnlyList<StateChange> OriginatorTransitions { get; init; }
    public required IReadOnlyList<StateChange> ResponderTransitions { get; init; }
    public ConnectionFlags Flags { get; init; }
    public FinishReason FinishReason { get; init; }

    /// <summary>"SYN_SENT → ESTABLISHED → ..." for one side.</summary>
    public static string Describe(IReadOnlyList<StateChange> transitions) =>
        string.Join(" → ", transitions.Select(t => t.State.ToRfcName()));
}

/// <summary>An endpoint entered <see cref="State"/> at <see cref="Time"/>.</summary>
public readonly record struct StateChange(RfcState State, PacketTime Time);
