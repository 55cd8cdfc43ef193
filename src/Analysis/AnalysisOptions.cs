namespace TcpState.Analysis;

/// <summary>The analysis's timers and limits. All times are packet time.</summary>
public sealed record AnalysisOptions
{
    /// <summary>2MSL: how long TIME_WAIT lasts. Linux holds TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN).</summary>
    public double TimeWaitSeconds { get; init; } = 60;

    /// <summary>A connection with no packet for this long is written out as it stands (Zeek's tcp_inactivity_timeout).</summary>
    public double IdleTimeoutSeconds { get; init; } = 300;

    /// <summary>
    /// A connection still in its handshake with no packet for this long is written out. Linux retries a SYN for up to
    /// 127 s with the longest gap 64 s, so this keeps every retry of one attempt together.
    /// </summary>
    public double HandshakeTimeoutSeconds { get; init; } = 75;

    /// <summary>After both endpoints are CLOSED, late packets (a RST's stragglers) still join the record for this long.</summary>
    public double ClosedLingerSeconds { get; init; } = 5;

    /// <summary>
    /// Keep each connection's transitions for its record. Outputs that do not show them (the summary, check) turn this
    /// off: observers still see every transition as it happens, and the memory per connection is smaller.
    /// </summary>
    public bool RecordTransitions { get; init; } = true;

    /// <summary>
    /// Keep a connection that is nothing but its originator's SYN (and retransmissions of it) as that SYN alone, and
    /// rebuild the rest when anything more arrives: what makes a SYN flood cheap. Off only to check the rebuild.
    /// </summary>
    public bool HoldUnansweredSyns { get; init; } = true;

    /// <summary>
    /// A connection idle this long has its detail packed into a fifth of the space until its next packet (or none):
    /// only when packing is exact, so the output is the same either way. Null never packs (nor do the handshakes of a
    /// flood, which are otherwise packed at once); 0 packs whenever the clock moves, which tests use to unpack at nearly
    /// every packet.
    /// </summary>
    public double? ParkIdleAfterSeconds { get; init; } = 1;

    /// <summary>The connection table's cap. When full, closed, then embryonic, then TIME_WAIT connections are evicted first.</summary>
    public int MaxConnections { get; init; } = 1_000_000;
}
