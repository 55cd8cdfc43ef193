namespace TcpState.Analysis.Anomalies;

/// <summary>One kind of anomaly: its stable id, where it is reported, how bad it usually is, and what it means.</summary>
public sealed record AnomalyKind(
    string Id,
    AnomalyLevel Level,
    AnomalySeverity Severity,
    string Summary);

/// <summary>
/// Every anomaly tcpstate detects, in one place. docs/anomalies.md explains each for people (what happened on the wire,
/// which side is in which state, usual causes, what to look at) and maps it to other tools' names.
/// </summary>
public static class AnomalyCatalogue
{
    public const string SynFlood = "syn-flood";
    public const string AcceptQueueOverflow = "accept-queue-overflow";
    public const string ConnectionRefused = "connection-refused";
    public const string PortScan = "port-scan";
    public const string CloseWaitLinger = "close-wait-linger";
    public const string TimeWaitBuildup = "time-wait-buildup";
    public const string FinWait2Timeout = "fin-wait-2-timeout";
    public const string PeerUnreachable = "peer-unreachable";
    public const string KeepaliveDeadPeer = "keepalive-dead-peer";
    public const string ZeroWindow = "zero-window";
    public const string SynWithData = "syn-with-data";
    public const string BadHandshakeAck = "bad-handshake-ack";
    public const string SynIsnChanged = "syn-isn-changed";
    public const string RstOutOfWindow = "rst-out-of-window";
    public const string PortReuseTimeWait = "port-reuse-time-wait";

    public static IReadOnlyList<AnomalyKind> All { get; } =
    [
        new(SynFlood, AnomalyLevel.Host, AnomalySeverity.Critical,
            "half-open connections toward one listener pile up: SYNs arrive, handshakes never complete"),
        new(AcceptQueueOverflow, AnomalyLevel.Host, AnomalySeverity.High,
            "clients complete the handshake but the listener does not take the connection (full accept queue)"),
        new(ConnectionRefused, AnomalyLevel.Host, AnomalySeverity.Medium,
            "SYNs toward one destination are answered with RST: nothing listens there"),
        new(PortScan, AnomalyLevel.Host, AnomalySeverity.High,
            "one source is refused or unanswered on many ports or hosts in a short time"),
        new(CloseWaitLinger, AnomalyLevel.Connection, AnomalySeverity.High,
            "the peer closed, and this side's application has not called close(): CLOSE_WAIT lingers"),
        new(TimeWaitBuildup, AnomalyLevel.Host, AnomalySeverity.Medium,
            "one host holds many connections in TIME_WAIT: the active closer risks running out of ports"),
        new(FinWait2Timeout, AnomalyLevel.Connection, AnomalySeverity.Medium,
            "an endpoint waits in FIN_WAIT_2 longer than tcp_fin_timeout for the peer's FIN"),
        new(PeerUnreachable, AnomalyLevel.Connection, AnomalySeverity.High,
            "one side retransmits with growing intervals and gets no acknowledgment: the peer vanished"),
        new(KeepaliveDeadPeer, AnomalyLevel.Connection, AnomalySeverity.Medium,
            "keep-alive probes go unanswered, then the connection is reset or abandoned"),
        new(ZeroWindow, AnomalyLevel.Connection, AnomalySeverity.Medium,
            "a receiver advertised a zero window and stalled the sender"),
        new(SynWithData, AnomalyLevel.Connection, AnomalySeverity.Low,
            "a SYN or SYN-ACK carried data without TCP Fast Open"),
        new(BadHandshakeAck, AnomalyLevel.Connection, AnomalySeverity.Medium,
            "a SYN-ACK or handshake ACK does not acknowledge the ISN + 1 it answers"),
        new(SynIsnChanged, AnomalyLevel.Connection, AnomalySeverity.Low,
            "a SYN was resent on the same 4-tuple with a different ISN while the first was pending"),
        new(RstOutOfWindow, AnomalyLevel.Connection, AnomalySeverity.High,
            "a RST whose sequence number is outside the receiver's window (ignored: possibly injected)"),
        new(PortReuseTimeWait, AnomalyLevel.Connection, AnomalySeverity.Low,
            "a new SYN reused a 4-tuple whose previous connection was still in TIME_WAIT"),
    ];

    private static readonly Dictionary<string, AnomalyKind> ById = All.ToDictionary(k => k.Id);

    public static AnomalyKind Get(string id) =>
        ById.TryGetValue(id, out var kind) ? kind : throw new ArgumentException($"unknown anomaly id '{id}'", nameof(id));

    public static bool IsKnown(string id) => ById.ContainsKey(id);
}
