using TcpState.Analysis.Anomalies;
using TcpState.Capture;

namespace TcpState.Analysis.Live;

/// <summary>
/// What the connections tracked at one moment look like, taken by <see cref="ConnectionCensus.TakeSnapshot"/> on the
/// analysis thread and immutable afterwards, so a dashboard on another thread can read it at leisure.
/// </summary>
public sealed record CensusSnapshot
{
    /// <summary>The packet clock when the snapshot was taken.</summary>
    public required PacketTime Time { get; init; }

    /// <summary>Packet-clock seconds since the previous snapshot: the window <see cref="Rates"/> are measured over.</summary>
    public required double IntervalSeconds { get; init; }

    /// <summary>Connections tracked now, by the originator's RFC state (indexed by <see cref="RfcState"/>).</summary>
    public required IReadOnlyList<long> OriginatorStates { get; init; }

    /// <summary>Connections tracked now, by the responder's RFC state (indexed by <see cref="RfcState"/>).</summary>
    public required IReadOnlyList<long> ResponderStates { get; init; }

    /// <summary>Connections the census counts (those whose state machine has moved at least once).</summary>
    public required long Connections { get; init; }

    /// <summary>Segments per second over the last interval, by the flags that matter to connection state.</summary>
    public required SegmentCounts Rates { get; init; }

    /// <summary>Segments since the start.</summary>
    public required SegmentCounts Totals { get; init; }

    /// <summary>The busiest responder endpoints: most SYN_RCVD first, then most connections.</summary>
    public required IReadOnlyList<ListenerCounts> Listeners { get; init; }

    public required long TimeWait { get; init; }

    /// <summary>Hosts with the most endpoints in TIME_WAIT (the side that closed first holds it).</summary>
    public required IReadOnlyList<HostCount> TimeWaitByHost { get; init; }

    public required long CloseWait { get; init; }

    /// <summary>The longest-standing CLOSE_WAIT endpoints: the peer closed and this side's application has not.</summary>
    public required IReadOnlyList<LingeringEndpoint> OldestCloseWait { get; init; }

    public required long FinWait2 { get; init; }

    /// <summary>The longest-standing FIN_WAIT_2 endpoints: this side closed and the peer has not.</summary>
    public required IReadOnlyList<LingeringEndpoint> OldestFinWait2 { get; init; }

    public required long AlertsRaised { get; init; }

    /// <summary>The latest anomalies, newest first, with their figures as of this snapshot.</summary>
    public required IReadOnlyList<AlertLine> RecentAlerts { get; init; }

    public long Originators(RfcState state) => OriginatorStates[(int)state];

    public long Responders(RfcState state) => ResponderStates[(int)state];
}

/// <summary>Segment counts (or rates per second) by the flags that move connection state.</summary>
public readonly record struct SegmentCounts(double Segments, double Syn, double SynAck, double Rst, double Fin);

/// <summary>The connections one responder endpoint (normally a listening socket) takes part in, by its RFC state.</summary>
public sealed record ListenerCounts(TcpEndpoint Endpoint, IReadOnlyList<long> States, long Total)
{
    public long this[RfcState state] => States[(int)state];
}

public readonly record struct HostCount(Capture.Decoding.IpAddress Host, long Count);

/// <summary>An endpoint that has sat in CLOSE_WAIT or FIN_WAIT_2 since <see cref="Since"/>.</summary>
public readonly record struct LingeringEndpoint(TcpEndpoint Local, TcpEndpoint Peer, bool IsOriginator, RfcState State,
    PacketTime Since, double AgeSeconds);

/// <summary>An anomaly's figures copied at snapshot time (the detector keeps updating the live object).</summary>
public sealed record AlertLine(string Id, AnomalyLevel Level, AnomalySeverity Severity, string Subject, string Message,
    PacketTime FirstSeen, PacketTime LastSeen, long Count);
