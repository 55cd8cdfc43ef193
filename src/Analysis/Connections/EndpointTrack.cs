using TcpState.Capture;

namespace TcpState.Analysis.Connections;

/// <summary>
/// What the wire has shown about one endpoint, as much as <see cref="TcpStateMachine"/> needs: its RFC state,
/// the sequence numbers it has used and acknowledged, its window, and the events it has been sent but has not
/// yet shown it received.
/// </summary>
internal struct EndpointTrack
{
    public RfcState State;

    /// <summary>Reached SYN_RCVD from LISTEN: an acceptable RST returns it to LISTEN (RFC 9293 §3.10.7.4).</summary>
    public bool PassiveOpen;

    public bool HasSent;
    public bool HasIsn;
    public uint Isn;

    /// <summary>One past the highest sequence number this endpoint has sent (SYN and FIN count one each).</summary>
    public uint SendNext;

    public bool FinSent;
    /// <summary>The sequence number the FIN occupies.</summary>
    public uint FinSequence;

    public bool HasAcked;
    /// <summary>The highest acknowledgment number this endpoint has sent: its RCV.NXT as far as the wire tells.</summary>
    public uint LastAck;

    /// <summary>The window field of its latest segment, unscaled.</summary>
    public ushort Window;

    /// <summary>The window scale it offered in its SYN; -1 when its SYN carried none or was not seen.</summary>
    public sbyte OfferedScale;

    /// <summary>The shift count in force for its window: known once both SYNs were seen (RFC 7323 §2.2).</summary>
    public sbyte WindowShift;

    /// <summary>Time of its latest transition; later transitions never get an earlier time.</summary>
    public PacketTime LastTransitionTime;

    public PendingReceives Pending;

    public static EndpointTrack Initial => new() { OfferedScale = -1, WindowShift = -1 };

    /// <summary>True when <paramref name="ack"/> acknowledges this endpoint's SYN: ISN &lt; ack ≤ SND.NXT (RFC 9293 §3.10.7.3).</summary>
    public readonly bool IsSynAcknowledgedBy(uint ack) =>
        HasIsn && SequenceNumbers.IsAfter(ack, Isn) && SequenceNumbers.IsAtOrAfter(SendNext, ack);

    /// <summary>True when <paramref name="ack"/> acknowledges this endpoint's FIN.</summary>
    public readonly bool IsFinAcknowledgedBy(uint ack) => FinSent && SequenceNumbers.IsAfter(ack, FinSequence);
}

/// <summary>
/// An event the peer sent to this endpoint (a SYN or a FIN) that the observer has seen on the wire but the endpoint
/// has not yet shown it received. It waits until the endpoint acknowledges it, until anything later arrives for
/// the endpoint, or until the connection ends — see <see cref="TcpStateMachine"/> for why.
/// </summary>
internal struct PendingReceive
{
    public PacketTime Seen;
    /// <summary>The acknowledgment number that proves receipt: one past the SYN or FIN.</summary>
    public uint AcknowledgedBy;
    public EndpointEvent Event;
}

/// <summary>At most two pending receipts per endpoint: a SYN-ACK and a FIN can both be in flight, rarely more.</summary>
/// <remarks>
/// Held as parallel fields rather than two <see cref="PendingReceive"/>s: each of those pads 13 bytes to 16, and the
/// count then took a third 8, so this is 32 bytes where two structs were 40, twice in every answered connection.
/// </remarks>
internal struct PendingReceives
{
    private PacketTime _firstSeen, _secondSeen;
    private uint _firstAcknowledgedBy, _secondAcknowledgedBy;
    private EndpointEvent _firstEvent, _secondEvent;
    public byte Count;

    public readonly PendingReceive Peek() =>
        new() { Seen = _firstSeen, AcknowledgedBy = _firstAcknowledgedBy, Event = _firstEvent };

    public void Add(in PendingReceive pending)
    {
        if (Count == 0)
            (_firstSeen, _firstAcknowledgedBy, _firstEvent) = (pending.Seen, pending.AcknowledgedBy, pending.Event);
        else
            (_secondSeen, _secondAcknowledgedBy, _secondEvent) = (pending.Seen, pending.AcknowledgedBy, pending.Event);
        Count++;
    }

    public PendingReceive Take()
    {
        var head = Peek();
        (_firstSeen, _firstAcknowledgedBy, _firstEvent) = (_secondSeen, _secondAcknowledgedBy, _secondEvent);
        (_secondSeen, _secondAcknowledgedBy, _secondEvent) = (default, 0, default);
        Count--;
        return head;
    }

    public readonly bool LastIs(EndpointEvent ev, uint acknowledgedBy) => Count switch
    {
        0 => false,
        1 => _firstEvent == ev && _firstAcknowledgedBy == acknowledgedBy,
        _ => _secondEvent == ev && _secondAcknowledgedBy == acknowledgedBy,
    };
}
