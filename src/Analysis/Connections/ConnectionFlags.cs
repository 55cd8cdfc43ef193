namespace TcpState.Analysis.Connections;

/// <summary>Notable facts about a connection, reported in its record's <c>flags</c>.</summary>
[Flags]
public enum ConnectionFlags : ushort
{
    None = 0,
    /// <summary>Picked up without seeing its opening handshake.</summary>
    Midstream = 1 << 0,
    /// <summary>The SYN carried a TCP Fast Open cookie (RFC 7413).</summary>
    FastOpen = 1 << 1,
    SimultaneousOpen = 1 << 2,
    SimultaneousClose = 1 << 3,
    /// <summary>A new SYN reused the 4-tuple of a connection that was closing, closed or in TIME_WAIT.</summary>
    PortReuse = 1 << 4,
    /// <summary>The SYN or SYN-ACK carried data without TCP Fast Open.</summary>
    SynWithData = 1 << 5,
    /// <summary>The SYN was resent with another ISN while the first was pending.</summary>
    IsnChanged = 1 << 6,
    /// <summary>A SYN-ACK did not acknowledge the SYN's ISN + 1, or the handshake ACK did not acknowledge the SYN-ACK.</summary>
    BadHandshakeAck = 1 << 7,
    /// <summary>A RST outside the receiver's window was seen (and did not close the connection).</summary>
    RstOutOfWindow = 1 << 8,
    /// <summary>The history hit its length bound; later letters were dropped.</summary>
    HistoryTruncated = 1 << 9,
    /// <summary>The transition list hit its length bound; later transitions were dropped.</summary>
    TransitionsTruncated = 1 << 10,
}

/// <summary>Why a connection's record was written.</summary>
public enum FinishReason : byte
{
    /// <summary>Not finished: the connection is still being tracked (what observers see while it runs).</summary>
    Open,
    /// <summary>Both endpoints reached CLOSED (after a short linger for late packets).</summary>
    Closed,
    /// <summary>TIME_WAIT's 2MSL passed on packet time.</summary>
    TimeWaitExpired,
    /// <summary>No packet for the idle timeout.</summary>
    IdleTimeout,
    /// <summary>The input ended with the connection still tracked; its states are those last seen.</summary>
    EndOfInput,
    /// <summary>A new connection took over its 4-tuple.</summary>
    PortReused,
    /// <summary>The connection table was full and this connection was the oldest of the least valuable kind.</summary>
    Evicted,
}
