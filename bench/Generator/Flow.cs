namespace TcpState.Bench.Generator;

/// <summary>What a flow does over its life; the realistic mix draws one per connection (<see cref="TrafficMix"/>).</summary>
public enum FlowKind : byte
{
    /// <summary>Handshake, request/response exchanges with data both ways, then a FIN teardown (<see cref="CloseStyle"/>).</summary>
    Complete,
    /// <summary>SYN answered by RST+ACK: nothing listens on the port.</summary>
    Refused,
    /// <summary>SYN, SYN-ACK, then the client is gone: the server retransmits its SYN-ACK with backoff and gives up.</summary>
    HalfOpen,
    /// <summary>SYN never answered (filtered port): the client retransmits its SYN with backoff and gives up.</summary>
    Unanswered,
    /// <summary>Established, some exchanges, then aborted with RST+ACK by one side.</summary>
    Reset,
    /// <summary>Established, the client closes, the server acknowledges and never closes: CLOSE_WAIT until the capture ends.</summary>
    CloseWaitLinger,
    /// <summary>Handshake and one exchange, then silence: still open, so every one is tracked when the capture ends.</summary>
    HoldOpen,
}

/// <summary>How a complete flow's teardown goes.</summary>
public enum CloseStyle : byte
{
    /// <summary>Client FIN, server ACK, server FIN, client ACK: the client ends in TIME_WAIT, the server passes CLOSE_WAIT and LAST_ACK.</summary>
    ClientFirst,
    /// <summary>The server closes first (HTTP/1.0, keep-alive timeout): the server ends in TIME_WAIT.</summary>
    ServerFirst,
    /// <summary>Client FIN, server FIN+ACK acknowledging it, client ACK: the server skips CLOSE_WAIT's separate ACK.</summary>
    ThreeWay,
    /// <summary>Both FINs cross on the wire (neither acknowledges the other's): both sides go through CLOSING to TIME_WAIT.</summary>
    Simultaneous,
}

/// <summary>Where a flow is in its script: the packet it sends next.</summary>
public enum Phase : byte
{
    Start,
    Syn,
    SynRetransmit,
    SynAck,
    SynAckRetransmit,
    RefuseRst,
    HandshakeAck,
    Request,
    ResponseSegment,
    ResponseAck,
    ClientFin,
    ServerAckOfClientFin,
    ServerFin,
    ClientLastAck,
    ServerFinFirst,
    ClientAckOfServerFin,
    ClientFinSecond,
    ServerLastAck,
    ServerFinAckThreeWay,
    CrossingServerFin,
    CrossingClientFin,
    CrossingServerAck,
    CrossingClientAck,
    Reset,
    Done,
}

/// <summary>One flow's whole state: a plain struct in the engine's slot array, so a flow costs no object.</summary>
public struct Flow
{
    public FlowKind Kind;
    public CloseStyle Close;
    public Phase Phase;
    public bool LongLived;
    public bool ClientResets;
    public FlowPath Path;

    /// <summary>The next sequence number each side sends.</summary>
    public uint ClientNext, ServerNext;
    public uint ClientIsn, ServerIsn;
    public uint ClientTsBase, ServerTsBase;
    public ushort ClientIpId, ServerIpId;
    public ushort Mss;

    public long RttNs;
    public long ThinkMeanNs;
    public int ExchangesLeft;
    /// <summary>Retransmissions sent so far (SYN or SYN-ACK), and how many the sender makes before giving up.</summary>
    public int Retries, MaxRetries;

    /// <summary>Bytes of the current response not sent yet, and the flight being sent (slow start: 10, 20, 40, 64 segments).</summary>
    public int ResponseLeft;
    public int Cwnd, FlightSegments, FlightSent, AcksSent;
    public uint FlightStartSequence;
    public long FlightStartNs;

    /// <summary>Payload per full segment: the MSS less the 12 bytes of timestamp options every segment carries.</summary>
    public readonly int SegmentSize => Mss - FrameBuilder.OptionsLength(TcpOptionLayout.Timestamps);
}
