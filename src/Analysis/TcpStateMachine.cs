using TcpState.Analysis.Connections;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis;

/// <summary>What happened to one endpoint, in the words of the RFC 9293 state diagram (§3.3.2, Figure 5).</summary>
internal enum EndpointEvent : byte
{
    /// <summary>The application called listen(): inferred when the endpoint answers a SYN with a SYN-ACK.</summary>
    PassiveOpen,
    SendSyn,
    ReceiveSyn,
    /// <summary>A SYN-ACK whose ACK acknowledges this endpoint's SYN.</summary>
    ReceiveSynAck,
    /// <summary>An ACK that acknowledges this endpoint's SYN.</summary>
    ReceiveAckOfSyn,
    SendFin,
    ReceiveFin,
    /// <summary>An ACK that acknowledges this endpoint's FIN.</summary>
    ReceiveAckOfFin,
    SendRst,
    /// <summary>A RST that passed the acceptability test (§3.10.7): in the window, or acknowledging the SYN.</summary>
    ReceiveRst,
    /// <summary>2MSL of packet time passed in TIME_WAIT (§3.10.8).</summary>
    TimeWaitExpired,
}

/// <summary>Things the state machine noticed on the way; anomaly detectors and record flags build on them.</summary>
public enum StateMachineNote : byte
{
    SimultaneousOpen,
    SimultaneousClose,
    FastOpen,
    SynWithData,
    /// <summary>A SYN resent on the same 4-tuple with another ISN while the first was pending.</summary>
    IsnChanged,
    /// <summary>A SYN-ACK whose ACK is not the SYN's ISN + 1.</summary>
    BadSynAck,
    /// <summary>An ACK in SYN_RCVD that does not acknowledge the SYN-ACK.</summary>
    BadHandshakeAck,
    /// <summary>A RST the receiver must ignore: its sequence number is outside the receive window.</summary>
    RstOutOfWindow,
    /// <summary>The 2MSL timer restarted because the peer retransmitted its FIN into TIME_WAIT.</summary>
    TimeWaitRestarted,
}

internal interface IStateMachineListener
{
    void OnTransition(Side side, RfcState from, RfcState to, PacketTime time);

    void OnNote(StateMachineNote note, Side side, PacketTime time);
}

/// <summary>
/// Both endpoints' RFC 9293 states, inferred by a passive observer. This file is the state machine: <see cref="Next"/>
/// is the RFC's state diagram, one arm per arrow; the rest turns segments seen on the wire into the events those
/// arrows are labelled with.
/// <para>
/// A segment from S to R is read twice: as something S did (send SYN, FIN, RST) and as something R will receive.
/// The send side is certain the moment the segment is seen. The receive side is not: when two segments cross on the
/// wire (simultaneous open or close), R sends its own SYN or FIN before S's arrives. So a received SYN or FIN waits
/// ("pending") until R shows it arrived — R's acknowledgment covers it — and is applied then, with the time it was
/// seen. If R instead sends a segment that does not acknowledge it, R's own action comes first: that is exactly how
/// FIN_WAIT_1 → CLOSING (simultaneous close) and SYN_SENT → SYN_RCVD (simultaneous open) are told apart from the
/// ordinary CLOSE_WAIT and SYN_RCVD. Anything else arriving for R, and the end of the connection, apply what waits,
/// on the assumption that segments seen were delivered.
/// </para>
/// Acknowledgments are sequence-checked: a SYN-ACK or handshake ACK counts only if it acknowledges the ISN + 1, a FIN
/// only counts as acknowledged when the ACK covers it, and a RST only when it is acceptable to its receiver.
/// </summary>
internal static class TcpStateMachine
{
    /// <summary>The RFC 9293 state diagram. An event with no arrow from the current state leaves it unchanged.</summary>
    public static RfcState Next(RfcState state, EndpointEvent ev, bool passiveOpen) => (state, ev) switch
    {
        (RfcState.Closed, EndpointEvent.PassiveOpen) => RfcState.Listen,
        (RfcState.Closed, EndpointEvent.SendSyn) => RfcState.SynSent,
        (RfcState.Listen, EndpointEvent.ReceiveSyn) => RfcState.SynReceived,
        (RfcState.Listen, EndpointEvent.SendSyn) => RfcState.SynSent,
        (RfcState.SynSent, EndpointEvent.ReceiveSyn) => RfcState.SynReceived,
        (RfcState.SynSent, EndpointEvent.ReceiveSynAck) => RfcState.Established,
        (RfcState.SynSent, EndpointEvent.ReceiveRst) => RfcState.Closed,
        (RfcState.SynReceived, EndpointEvent.ReceiveAckOfSyn) => RfcState.Established,
        // In simultaneous open the peer's SYN-ACK is the ACK of our SYN.
        (RfcState.SynReceived, EndpointEvent.ReceiveSynAck) => RfcState.Established,
        (RfcState.SynReceived, EndpointEvent.SendFin) => RfcState.FinWait1,
        (RfcState.SynReceived, EndpointEvent.ReceiveRst) => passiveOpen ? RfcState.Listen : RfcState.Closed,
        (RfcState.Established, EndpointEvent.SendFin) => RfcState.FinWait1,
        (RfcState.Established, EndpointEvent.ReceiveFin) => RfcState.CloseWait,
        (RfcState.FinWait1, EndpointEvent.ReceiveAckOfFin) => RfcState.FinWait2,
        (RfcState.FinWait1, EndpointEvent.ReceiveFin) => RfcState.Closing,
        (RfcState.FinWait2, EndpointEvent.ReceiveFin) => RfcState.TimeWait,
        (RfcState.Closing, EndpointEvent.ReceiveAckOfFin) => RfcState.TimeWait,
        (RfcState.CloseWait, EndpointEvent.SendFin) => RfcState.LastAck,
        (RfcState.LastAck, EndpointEvent.ReceiveAckOfFin) => RfcState.Closed,
        (RfcState.TimeWait, EndpointEvent.TimeWaitExpired) => RfcState.Closed,
        // Abort: sending a RST ends the connection for the sender in any synchronized or opening state.
        (not (RfcState.Closed or RfcState.Listen), EndpointEvent.SendRst) => RfcState.Closed,
        (RfcState.Established or RfcState.FinWait1 or RfcState.FinWait2 or RfcState.CloseWait or RfcState.Closing
            or RfcState.LastAck or RfcState.TimeWait, EndpointEvent.ReceiveRst) => RfcState.Closed,
        _ => state,
    };

    /// <summary>A connection whose first segment is not a SYN: both endpoints are taken to be ESTABLISHED.</summary>
    public static void BeginMidstream(ref EndpointTrack a, ref EndpointTrack b, PacketTime time, IStateMachineListener listener)
    {
        Enter(ref a, Side.A, RfcState.Established, time, listener);
        Enter(ref b, Side.B, RfcState.Established, time, listener);
    }

    /// <summary>
    /// A connection first seen at its SYN-ACK: the SYN was missed, but the SYN-ACK proves the originator sent one
    /// (ISN = ack − 1), so it is put in SYN_SENT at this time.
    /// </summary>
    public static void BeginAtSynAck(ref EndpointTrack originator, Side originatorSide, in TcpSegment synAck, IStateMachineListener listener)
    {
        originator.HasIsn = true;
        originator.Isn = synAck.Acknowledgment - 1;
        originator.SendNext = synAck.Acknowledgment;
        originator.HasSent = true;
        Apply(ref originator, originatorSide, EndpointEvent.SendSyn, synAck.Timestamp, listener);
    }

    /// <summary>Feeds one segment, sent by <paramref name="senderSide"/>, to both endpoints.</summary>
    public static void OnSegment(ref EndpointTrack sender, ref EndpointTrack receiver, Side senderSide, in TcpSegment segment,
        IStateMachineListener listener)
    {
        var time = segment.Timestamp;
        var receiverSide = senderSide.Other();
        bool syn = segment.Has(TcpFlags.Syn), ack = segment.Has(TcpFlags.Ack);
        bool fin = segment.Has(TcpFlags.Fin), rst = segment.Has(TcpFlags.Rst);

        // A RST the receiver must ignore (RFC 9293 §3.10.7, RFC 5961) changes nothing — not even for its apparent
        // sender: a genuine stack resets with a sequence number its peer accepts, so this one is forged or stale.
        if (rst && receiver.State is not (RfcState.Closed or RfcState.Listen) && !IsAcceptableReset(receiver, sender, segment))
        {
            listener.OnNote(StateMachineNote.RstOutOfWindow, receiverSide, time);
            return;
        }

        // 1. What the sender's acknowledgment proves it has received happened before what it sends now.
        if (ack)
            ApplyAcknowledgedPending(ref sender, senderSide, segment.Acknowledgment, answeringWithSynAck: syn && !rst, listener);

        // 2. What the sender does.
        if (rst)
            Apply(ref sender, senderSide, EndpointEvent.SendRst, time, listener);
        else
        {
            if (syn && !ack)
                SendSynchronize(ref sender, senderSide, segment, listener);
            else if (syn && sender.State == RfcState.Closed)
                AnswerSynWithoutPendingSyn(ref sender, senderSide, time, listener);
            if (fin)
                Apply(ref sender, senderSide, EndpointEvent.SendFin, time, listener);
        }
        RecordWhatWasSent(ref sender, ref receiver, segment);

        // 3. What the receiver will do with it. Segments arrive in order, so anything the sender sent after what
        // waits at the receiver means that has arrived.
        ApplyPendingOvertakenBy(ref receiver, receiverSide, segment.Sequence, listener);
        if (rst)
        {
            ApplyAllPending(ref receiver, receiverSide, listener);
            if (IsAcceptableReset(receiver, sender, segment))
                Apply(ref receiver, receiverSide, EndpointEvent.ReceiveRst, time, listener);
            return;
        }

        if (ack && !syn)
        {
            if (receiver.State == RfcState.SynReceived)
            {
                if (receiver.IsSynAcknowledgedBy(segment.Acknowledgment))
                    ApplyNow(ref receiver, receiverSide, EndpointEvent.ReceiveAckOfSyn, time, listener);
                else if (!receiver.Pending.LastIs(EndpointEvent.ReceiveSyn, segment.Acknowledgment))
                    listener.OnNote(StateMachineNote.BadHandshakeAck, senderSide, time);
            }
            if (receiver.IsFinAcknowledgedBy(segment.Acknowledgment) &&
                receiver.State is RfcState.FinWait1 or RfcState.Closing or RfcState.LastAck)
                ApplyNow(ref receiver, receiverSide, EndpointEvent.ReceiveAckOfFin, time, listener);
        }

        uint afterSyn = segment.Sequence + 1 + (uint)segment.PayloadLength;
        if (syn && ack)
        {
            if (receiver.IsSynAcknowledgedBy(segment.Acknowledgment))
                Await(ref receiver, receiverSide, EndpointEvent.ReceiveSynAck, afterSyn, time, listener);
            else if (receiver.HasIsn)
                listener.OnNote(StateMachineNote.BadSynAck, senderSide, time);
        }
        else if (syn)
            Await(ref receiver, receiverSide, EndpointEvent.ReceiveSyn, afterSyn, time, listener);

        if (fin)
            Await(ref receiver, receiverSide, EndpointEvent.ReceiveFin, sender.FinSequence + 1, time, listener);
    }

    /// <summary>
    /// The connection is ending: applies the FINs still waiting for either endpoint, on the assumption that segments
    /// seen were delivered. A SYN or SYN-ACK that was never acknowledged is not applied: a handshake is complete only
    /// when its ACK is seen, and an unanswered SYN-ACK is what a half-open connection (or a SYN flood) looks like.
    /// </summary>
    public static void Settle(ref EndpointTrack a, ref EndpointTrack b, IStateMachineListener listener)
    {
        // Whichever endpoint's oldest pending event was seen first goes first, so crossing FINs settle in wire order.
        while (a.Pending.Count > 0 || b.Pending.Count > 0)
        {
            bool takeA = b.Pending.Count == 0 ||
                         (a.Pending.Count > 0 && a.Pending.Peek().Seen <= b.Pending.Peek().Seen);
            if (takeA) SettleOldestPending(ref a, Side.A, listener);
            else SettleOldestPending(ref b, Side.B, listener);
        }
    }

    /// <summary>TIME_WAIT's 2MSL elapsed on packet time.</summary>
    public static void ExpireTimeWait(ref EndpointTrack endpoint, Side side, PacketTime time, IStateMachineListener listener) =>
        Apply(ref endpoint, side, EndpointEvent.TimeWaitExpired, time, listener);

    private static void SendSynchronize(ref EndpointTrack sender, Side side, in TcpSegment syn, IStateMachineListener listener)
    {
        if (sender.State is RfcState.SynSent && sender.HasIsn && syn.Sequence != sender.Isn)
            listener.OnNote(StateMachineNote.IsnChanged, side, syn.Timestamp);
        if (syn.PayloadLength > 0)
            listener.OnNote(syn.Options.HasFastOpen ? StateMachineNote.FastOpen : StateMachineNote.SynWithData, side, syn.Timestamp);
        else if (syn.Options.HasFastOpen && syn.Options.FastOpenCookieLength > 0)
            listener.OnNote(StateMachineNote.FastOpen, side, syn.Timestamp);
        Apply(ref sender, side, EndpointEvent.SendSyn, syn.Timestamp, listener);
    }

    /// <summary>A SYN-ACK from an endpoint whose peer's SYN was never seen: it listened and received a SYN.</summary>
    private static void AnswerSynWithoutPendingSyn(ref EndpointTrack sender, Side side, PacketTime time, IStateMachineListener listener)
    {
        Apply(ref sender, side, EndpointEvent.PassiveOpen, time, listener);
        Apply(ref sender, side, EndpointEvent.ReceiveSyn, time, listener);
    }

    private static void RecordWhatWasSent(ref EndpointTrack sender, ref EndpointTrack receiver, in TcpSegment segment)
    {
        bool syn = segment.Has(TcpFlags.Syn), ack = segment.Has(TcpFlags.Ack);
        if (syn && !segment.Has(TcpFlags.Rst))
        {
            sender.HasIsn = true;
            sender.Isn = segment.Sequence;
            sender.SendNext = segment.Sequence;
            sender.OfferedScale = segment.Options.WindowScale;
            if (ack)
            {
                // The SYN-ACK settles window scaling for both directions (RFC 7323 §2.2): both must offer it.
                bool agreed = sender.OfferedScale >= 0 && receiver.OfferedScale >= 0;
                sender.WindowShift = agreed ? Math.Min(sender.OfferedScale, (sbyte)14) : (sbyte)0;
                receiver.WindowShift = agreed ? Math.Min(receiver.OfferedScale, (sbyte)14) : (sbyte)0;
            }
        }
        if (!segment.Has(TcpFlags.Rst))
        {
            uint end = segment.Sequence + segment.SequenceLength;
            if (!sender.HasSent || SequenceNumbers.IsAfter(end, sender.SendNext))
                sender.SendNext = end;
            if (segment.Has(TcpFlags.Fin))
            {
                sender.FinSent = true;
                sender.FinSequence = segment.Sequence + (uint)segment.PayloadLength + (syn ? 1u : 0u);
            }
        }
        if (ack && (!sender.HasAcked || SequenceNumbers.IsAfter(segment.Acknowledgment, sender.LastAck)))
        {
            sender.HasAcked = true;
            sender.LastAck = segment.Acknowledgment;
        }
        sender.Window = segment.Window;
        sender.HasSent = true;
    }

    /// <summary>
    /// RFC 9293 §3.10.7: in SYN_SENT a RST counts only if it acknowledges the SYN; elsewhere its sequence number must
    /// fall in the receive window (RCV.NXT as the receiver last acknowledged, and its advertised window). Linux also
    /// accepts RCV.NXT − 1 after the peer's FIN. Where the wire has not shown enough, the RST is believed.
    /// </summary>
    private static bool IsAcceptableReset(in EndpointTrack receiver, in EndpointTrack sender, in TcpSegment rst)
    {
        switch (receiver.State)
        {
            case RfcState.Closed or RfcState.Listen:
                return false;
            case RfcState.SynSent:
                return rst.Has(TcpFlags.Ack) && receiver.IsSynAcknowledgedBy(rst.Acknowledgment);
        }
        if (!receiver.HasAcked)
            return true;
        uint expected = receiver.LastAck;
        int shift = receiver.WindowShift >= 0 ? receiver.WindowShift : 14;
        ulong window = (ulong)receiver.Window << shift;
        if (rst.Sequence == expected)
            return true;
        if (sender.FinSent && rst.Sequence == expected - 1)
            return true;
        return window > 0 && SequenceNumbers.InWindow(rst.Sequence, expected, window);
    }

    private static void Await(ref EndpointTrack receiver, Side side, EndpointEvent ev, uint acknowledgedBy, PacketTime seen,
        IStateMachineListener listener)
    {
        if (receiver.Pending.LastIs(ev, acknowledgedBy))
            return; // a retransmission of what already waits
        if (receiver.Pending.Count == 2)
            ApplyOldestPending(ref receiver, side, listener);
        receiver.Pending.Add(new PendingReceive { Seen = seen, AcknowledgedBy = acknowledgedBy, Event = ev });
    }

    /// <summary>Anything new for an endpoint means what it was sent earlier has arrived: apply that first.</summary>
    private static void ApplyNow(ref EndpointTrack endpoint, Side side, EndpointEvent ev, PacketTime time, IStateMachineListener listener)
    {
        ApplyAllPending(ref endpoint, side, listener);
        Apply(ref endpoint, side, ev, time, listener);
    }

    private static void ApplyAllPending(ref EndpointTrack endpoint, Side side, IStateMachineListener listener)
    {
        while (endpoint.Pending.Count > 0)
            ApplyOldestPending(ref endpoint, side, listener);
    }

    private static void ApplyPendingOvertakenBy(ref EndpointTrack endpoint, Side side, uint sequence, IStateMachineListener listener)
    {
        while (endpoint.Pending.Count > 0 && SequenceNumbers.IsAtOrAfter(sequence, endpoint.Pending.Peek().AcknowledgedBy))
            ApplyOldestPending(ref endpoint, side, listener);
    }

    private static void ApplyAcknowledgedPending(ref EndpointTrack endpoint, Side side, uint ack, bool answeringWithSynAck,
        IStateMachineListener listener)
    {
        while (endpoint.Pending.Count > 0 && SequenceNumbers.IsAtOrAfter(ack, endpoint.Pending.Peek().AcknowledgedBy))
        {
            var pending = endpoint.Pending.Peek();
            // A SYN answered with a SYN-ACK from a closed endpoint: the endpoint was listening.
            if (answeringWithSynAck && pending.Event == EndpointEvent.ReceiveSyn && endpoint.State == RfcState.Closed)
                Apply(ref endpoint, side, EndpointEvent.PassiveOpen, pending.Seen, listener);
            ApplyOldestPending(ref endpoint, side, listener);
        }
    }

    private static void SettleOldestPending(ref EndpointTrack endpoint, Side side, IStateMachineListener listener)
    {
        if (endpoint.Pending.Peek().Event is EndpointEvent.ReceiveSyn or EndpointEvent.ReceiveSynAck)
            endpoint.Pending.Take();
        else
            ApplyOldestPending(ref endpoint, side, listener);
    }

    private static void ApplyOldestPending(ref EndpointTrack endpoint, Side side, IStateMachineListener listener)
    {
        var pending = endpoint.Pending.Take();
        Apply(ref endpoint, side, pending.Event, pending.Seen, listener);
    }

    private static void Apply(ref EndpointTrack endpoint, Side side, EndpointEvent ev, PacketTime time, IStateMachineListener listener)
    {
        var next = Next(endpoint.State, ev, endpoint.PassiveOpen);
        if (next == endpoint.State)
        {
            if (next == RfcState.TimeWait && ev == EndpointEvent.ReceiveFin)
                listener.OnNote(StateMachineNote.TimeWaitRestarted, side, time);
            return;
        }
        if (endpoint.State == RfcState.Listen && next == RfcState.SynReceived)
            endpoint.PassiveOpen = true;
        if (endpoint.State == RfcState.SynSent && next == RfcState.SynReceived)
            listener.OnNote(StateMachineNote.SimultaneousOpen, side, time);
        if (next == RfcState.Closing)
            listener.OnNote(StateMachineNote.SimultaneousClose, side, time);
        if (next is RfcState.Closed)
            endpoint.Pending = default;
        Enter(ref endpoint, side, next, time, listener);
    }

    private static void Enter(ref EndpointTrack endpoint, Side side, RfcState next, PacketTime time, IStateMachineListener listener)
    {
        var previous = endpoint.State;
        var at = PacketTime.Max(time, endpoint.LastTransitionTime);
        endpoint.State = next;
        endpoint.LastTransitionTime = at;
        listener.OnTransition(side, previous, next, at);
    }
}
