namespace TcpState.Analysis;

/// <summary>
/// What the tracker worked out about one segment, in the light of what its sender had sent before it. Observers get
/// this with every segment so that detectors need not keep their own copy of each connection's sequence numbers.
/// </summary>
public readonly record struct SegmentFacts
{
    /// <summary>The originator sent it.</summary>
    public bool FromOriginator { get; init; }

    /// <summary>The segment created its connection.</summary>
    public bool OpenedConnection { get; init; }

    /// <summary>Its checksum was wrong: it moved no state.</summary>
    public bool BadChecksum { get; init; }

    /// <summary>A SYN or SYN-ACK the sender had already sent (same ISN).</summary>
    public bool RetransmittedSyn { get; init; }

    /// <summary>Payload that does not go beyond what the sender had already sent.</summary>
    public bool Retransmission { get; init; }

    /// <summary>A keep-alive probe: sequence number one below what the sender sent next, at most one byte (RFC 9293 §3.8.4).</summary>
    public bool KeepAlive { get; init; }

    /// <summary>The sender advertised a zero receive window.</summary>
    public bool ZeroWindow { get; init; }

    /// <summary>Payload sent while the receiver's last advertised window was zero (a zero-window probe).</summary>
    public bool ZeroWindowProbe { get; init; }
}
