namespace TcpState.Analysis.Anomalies;

/// <summary>
/// The detectors' thresholds, with defaults an operator would start from; a policy file can change each one
/// (names in snake_case there: <c>half_open_threshold</c>, <c>window</c> ...). All durations are packet time, in seconds.
/// </summary>
public sealed record DetectorSettings
{
    /// <summary>syn-flood: half-open connections toward one listener, opened within <see cref="SynFloodWindowSeconds"/>.</summary>
    public int SynFloodHalfOpenThreshold { get; init; } = 100;
    public double SynFloodWindowSeconds { get; init; } = 10;

    /// <summary>accept-queue-overflow: connections whose completed handshake the listener ignored or reset.</summary>
    public int AcceptQueueOverflowThreshold { get; init; } = 3;
    public double AcceptQueueOverflowWindowSeconds { get; init; } = 30;

    /// <summary>connection-refused: SYNs answered by RST toward one destination address:port.</summary>
    public int ConnectionRefusedThreshold { get; init; } = 5;
    public double ConnectionRefusedWindowSeconds { get; init; } = 60;

    /// <summary>port-scan: distinct ports or hosts on which one source is refused or unanswered.</summary>
    public int PortScanDistinctTargets { get; init; } = 20;
    public double PortScanWindowSeconds { get; init; } = 60;

    /// <summary>close-wait-linger: seconds in CLOSE_WAIT; the per-listener roll-up needs this many lingering connections.</summary>
    public double CloseWaitLingerSeconds { get; init; } = 60;
    public int CloseWaitRollupConnections { get; init; } = 2;

    /// <summary>time-wait-buildup: endpoints in TIME_WAIT at once on one host.</summary>
    public int TimeWaitThreshold { get; init; } = 1000;
    /// <summary>The size of the ephemeral port range a client picks from (Linux: 32768–60999).</summary>
    public int EphemeralPortRange { get; init; } = 28232;

    /// <summary>fin-wait-2-timeout: seconds in FIN_WAIT_2 (Linux's tcp_fin_timeout).</summary>
    public double FinWait2TimeoutSeconds { get; init; } = 60;

    /// <summary>peer-unreachable: retransmissions of the same data, with no acknowledgment, at growing intervals.</summary>
    public int PeerUnreachableRetransmissions { get; init; } = 3;

    /// <summary>keepalive-dead-peer: consecutive keep-alive probes without an answer.</summary>
    public int KeepaliveUnansweredProbes { get; init; } = 2;

    /// <summary>zero-window: seconds a zero window must last to be reported.</summary>
    public double ZeroWindowStallSeconds { get; init; } = 1;
}
