using TcpState.Analysis.Connections;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Zeek;

/// <summary>
/// Reproduces how Zeek's TCP analyzer (zeek/src/packet_analysis/protocol/tcp, as of 9.x) turns packets into the
/// conn.log <c>history</c> and the endpoint states <c>conn_state</c> is computed from, so tcpstate's records line
/// up with Zeek's. The behaviour — which letter when, when a state changes, how sizes and gaps are counted — is
/// Zeek's, including its quirks (a SYN carrying data is also counted as a retransmission, the first ACK of a
/// partial connection never reports a gap); each is noted where it happens. Zeek's timers that split one 4-tuple
/// into several log entries are not reproduced: tcpstate keeps RFC lifetimes (TIME_WAIT, port reuse).
/// </summary>
internal static class ZeekTcpModel
{
    private const int TooLargeSequenceDelta = 1_048_576;

    /// <summary>The bits of <see cref="ZeekHistory.Seen"/> for each one-time letter (the responder's 16 bits up).</summary>
    internal const uint HistSyn = 0x1, HistFin = 0x2, HistRst = 0x4, HistFinRst = 0x8, HistData = 0x10, HistAck = 0x20,
        HistMultiFlag = 0x40;

    private const byte SeenOriginator = 1, SeenResponder = 2;

    /// <summary>
    /// Feeds one segment. Returns false when the segment must not move any state (bad checksum): Zeek then records
    /// only the <c>c</c>/<c>C</c> letter and does not count the packet.
    /// </summary>
    public static bool Process(ref ZeekConnection z, ref Side originator, Side senderSide, in TcpSegment segment, DataRangePool ranges)
    {
        ref var endpoint = ref z.Endpoint(senderSide);
        ref var peer = ref z.Endpoint(senderSide.Other());
        bool isOrig = senderSide == originator;

        if (segment.Checksum == ChecksumStatus.Invalid)
        {
            ScaledLetter(ref z.History, isOrig ? 'C' : 'c', ref endpoint.ChecksumErrors);
            return false;
        }

        bool syn = segment.Has(TcpFlags.Syn), ack = segment.Has(TcpFlags.Ack);
        bool fin = segment.Has(TcpFlags.Fin), rst = segment.Has(TcpFlags.Rst);
        int len = segment.PayloadLength;
        var time = segment.Timestamp;

        SetPartialStatus(ref z, syn, ack, isOrig);

        // RST payload is not part of the stream; SYN and FIN take one sequence number each.
        int segmentLength = len + (syn ? 1 : 0) + (fin ? 1 : 0) - (rst ? len : 0);
        uint baseSeq = segment.Sequence;
        uint onePast = unchecked(baseSeq + (uint)segmentLength);

        InitEndpoint(ref endpoint, syn, baseSeq, onePast);

        ulong relSeq = RelativeSequence(endpoint, baseSeq, endpoint.LastSeq, endpoint.SeqWraps, out bool seqUnderflow);

        UpdateHistory(ref z.History, ref endpoint, isOrig, syn, ack, fin, rst, relSeq, len);

        // Zero windows are only interesting while the peer can still send and this side has not reset.
        if (segment.Window == 0 && !rst && peer.State != ZeekEndpointState.Closed && endpoint.State != ZeekEndpointState.Reset)
            ScaledLetter(ref z.History, isOrig ? 'W' : 'w', ref endpoint.ZeroWindows);

        if (!z.A.DidClose || !z.B.DidClose)
            z.LastTime = time;

        if (fin)
        {
            endpoint.FinCount++;
            endpoint.FinSeq = relSeq + (ulong)segmentLength;
        }
        if (rst)
            endpoint.RstCount++;

        ulong relAck = 0;
        if (ack)
        {
            if (peer.State == ZeekEndpointState.Inactive)
            {
                // The peer has sent nothing yet: number its sequence space as if its SYN had been ack − 1.
                relAck = 1;
                uint start = segment.Acknowledgment - 1;
                peer.InitSequence(start, start, start);
            }
            else
            {
                relAck = RelativeSequence(peer, segment.Acknowledgment, peer.AckSeq, peer.AckWraps, out bool ackUnderflow);
                if (ackUnderflow)
                    relAck = 0;
                else if (!rst) // acks carried by RSTs are not trusted
                    UpdateAckSeq(ref peer, segment.Acknowledgment);
            }
        }

        UpdateLastSeq(ref z.History, ref endpoint, isOrig, onePast, syn, fin, rst, len);
        endpoint.HasDoneSomething = true;

        bool doClose = UpdateStateMachine(ref z, ref originator, senderSide, isOrig, baseSeq, len, syn, ack, fin, rst);

        if (ack)
        {
            // Re-read the roles: the state machine may have flipped them.
            AcknowledgmentReceived(ref z, senderSide.Other(), originator, relAck, ranges);
        }

        ulong relDataSeq = syn ? relSeq + 1 : relSeq;
        if (len > 0 && segment.CapturedPayloadLength >= len && !rst && !seqUnderflow)
            DataSent(ref z.Endpoint(senderSide), relDataSeq, (ulong)len, ranges);

        if (doClose)
            z.Endpoint(senderSide).DidClose = true;

        z.FirstPacketSeen |= isOrig ? SeenOriginator : SeenResponder;
        return true;
    }

    /// <summary>Zeek's first-packet orientation: a SYN's sender originates; otherwise trust a likely server port.</summary>
    public static bool ShouldFlipFirstPacket(in TcpSegment segment)
    {
        bool syn = segment.Has(TcpFlags.Syn), ack = segment.Has(TcpFlags.Ack);
        if (syn && !ack)
            return false;
        // A SYN-ACK's receiver sent the SYN: tcpstate always trusts that (Zeek only when the ports agree).
        if (syn)
            return true;
        if (!LikelyServerPorts.Contains(segment.SourcePort))
            return false;
        if (!LikelyServerPorts.Contains(segment.DestinationPort))
            return true;
        // Both plausible servers: favour the lower port as the server.
        return segment.SourcePort < segment.DestinationPort;
    }

    /// <summary>Records the role flip decided when the connection was created (Zeek writes it as '^').</summary>
    public static void RecordInitialFlip(ref ZeekConnection z) => z.History.Add('^');

    /// <summary>Zeek's <c>TCP_Endpoint::Size()</c>: payload bytes by sequence space, SYN and FIN octets excluded.</summary>
    public static ulong Size(in ZeekEndpoint endpoint, in ZeekEndpoint peer)
    {
        if (endpoint.PreviousState == ZeekEndpointState.SynSent && endpoint.State == ZeekEndpointState.Reset &&
            peer.State == ZeekEndpointState.Inactive && !endpoint.NoDataAcked)
            return 0; // a half-open connection discovered and aborted: its sequence numbers mean nothing

        ulong last = endpoint.ToFullSeqSpace(endpoint.LastSeq, endpoint.SeqWraps);
        ulong acked = endpoint.ToFullSeqSpace(endpoint.AckSeq, endpoint.AckWraps);
        ulong size = unchecked((last > acked ? last : acked) - (ulong)endpoint.StartSeq);
        if (size != 0) size--;
        if (endpoint.FinCount > 0 && size != 0) size--;
        return size;
    }

    private static void SetPartialStatus(ref ZeekConnection z, bool syn, bool ack, bool isOrig)
    {
        if (isOrig)
        {
            if ((z.FirstPacketSeen & SeenOriginator) == 0)
                z.IsPartial = !syn || ack;
        }
        else if ((z.FirstPacketSeen & SeenResponder) == 0 && !z.IsPartial)
            z.IsPartial = !syn;
    }

    private static void InitEndpoint(ref ZeekEndpoint endpoint, bool syn, uint firstSeq, uint onePast)
    {
        switch (endpoint.State)
        {
            case ZeekEndpointState.Inactive:
                if (syn)
                    endpoint.InitSequence(firstSeq, onePast, firstSeq);
                else
                {
                    // Partial connection: number the sequence space as though a SYN preceded the first byte, and
                    // start "last" at this segment so it is not taken for a retransmission.
                    uint start = firstSeq - 1;
                    endpoint.InitSequence(start, firstSeq, start);
                }
                break;
            case ZeekEndpointState.SynSent or ZeekEndpointState.SynAckSent:
                if (syn && firstSeq != (uint)endpoint.StartSeq)
                    endpoint.InitSequence(firstSeq, onePast, firstSeq);
                break;
            case ZeekEndpointState.Established or ZeekEndpointState.Partial:
                if (syn)
                    endpoint.InitSequence(firstSeq, onePast, firstSeq);
                break;
            case ZeekEndpointState.Reset:
                // Sequence numbers first set by a RST may have come from an injected packet; a SYN resets them.
                if (syn && endpoint.PreviousState == ZeekEndpointState.Inactive)
                    endpoint.InitSequence(firstSeq, onePast, firstSeq);
                break;
        }
    }

    private static ulong RelativeSequence(in ZeekEndpoint endpoint, uint current, uint last, uint wraps, out bool underflow)
    {
        underflow = false;
        int delta = SequenceNumbers.Delta(current, last);
        if (delta < 0)
        {
            if (wraps != 0 && current > last)
                wraps--; // part of the previous 32-bit sequence space
        }
        else if (delta > 0 && current < last)
            wraps++;

        if (wraps == 0)
        {
            int fromStart = SequenceNumbers.Delta(current, (uint)endpoint.StartSeq);
            if (fromStart < 0)
                underflow = true;
            return unchecked((ulong)(long)fromStart);
        }
        return endpoint.ToRelative(current, wraps);
    }

    private static void UpdateHistory(ref ZeekHistory history, ref ZeekEndpoint endpoint, bool isOrig,
        bool syn, bool ack, bool fin, bool rst, ulong relSeq, int len)
    {
        int controlBits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
        if (controlBits > 1)
        {
            if (fin && rst) OneTimeLetter(ref history, isOrig, HistFinRst, 'I');
            else OneTimeLetter(ref history, isOrig, HistMultiFlag, 'Q');
            return;
        }
        if (controlBits == 1)
        {
            // SYN, FIN and RST are written again when they carry a new sequence number; for a FIN the number that
            // counts is the one after its data.
            if (syn)
            {
                char code = ack ? 'H' : 'S';
                if (OneTimeLetter(ref history, isOrig, HistSyn, code) && relSeq != endpoint.LastSynHistorySeq)
                    history.Add(isOrig ? code : char.ToLowerInvariant(code));
                endpoint.LastSynHistorySeq = relSeq;
            }
            if (fin)
            {
                ulong finPosition = relSeq + (ulong)len;
                if (OneTimeLetter(ref history, isOrig, HistFin, 'F') && finPosition != endpoint.LastFinHistorySeq)
                    history.Add(isOrig ? 'F' : 'f');
                endpoint.LastFinHistorySeq = finPosition;
            }
            if (rst)
            {
                if (OneTimeLetter(ref history, isOrig, HistRst, 'R') && relSeq != endpoint.LastRstHistorySeq)
                    history.Add(isOrig ? 'R' : 'r');
                endpoint.LastRstHistorySeq = relSeq;
            }
            return;
        }
        if (len > 0)
            OneTimeLetter(ref history, isOrig, HistData, 'D');
        else if (ack)
            OneTimeLetter(ref history, isOrig, HistAck, 'A');
    }

    /// <summary>Writes the letter the first time this direction shows it; returns true if it had been seen before.</summary>
    private static bool OneTimeLetter(ref ZeekHistory history, bool isOrig, uint mask, char code)
    {
        if (!isOrig)
        {
            mask <<= 16;
            code = char.ToLowerInvariant(code);
        }
        if ((history.Seen & mask) != 0)
            return true;
        history.Seen |= mask;
        history.Add(code);
        return false;
    }

    /// <summary>Letters for repeated events (c, t, w, g) are written at the 1st, 10th, 100th ... occurrence.</summary>
    private static void ScaledLetter(ref ZeekHistory history, char code, ref uint counter)
    {
        counter++;
        uint threshold = 1;
        while (threshold < counter && threshold <= uint.MaxValue / 10)
            threshold *= 10;
        if (threshold == counter)
            history.Add(code);
    }

    private static void UpdateAckSeq(ref ZeekEndpoint endpoint, uint ack)
    {
        int delta = SequenceNumbers.Delta(ack, endpoint.AckSeq);
        // An ack of 0 far ahead is more likely a broken ack than a connection that happens to land on 0.
        if (ack == 0 && delta > TooLargeSequenceDelta)
            return;
        if (delta > 0)
            endpoint.UpdateAckSeq(ack);
    }

    private static void UpdateLastSeq(ref ZeekHistory history, ref ZeekEndpoint endpoint, bool isOrig, uint onePast,
        bool syn, bool fin, bool rst, int len)
    {
        int deltaLast = SequenceNumbers.Delta(onePast, endpoint.LastSeq);
        if ((syn || rst) && (deltaLast > TooLargeSequenceDelta || deltaLast < -TooLargeSequenceDelta))
            return; // an outlandish SYN or RST does not move "last"
        if (fin && endpoint.LastSeq == (uint)(endpoint.StartSeq + 1))
            endpoint.UpdateLastSeq(onePast); // only SYN and FIN seen (a > 2 GB connection): trust the FIN
        else if (endpoint.State == ZeekEndpointState.Reset)
            return; // nothing after a RST is trusted
        else if (deltaLast > 0)
            endpoint.UpdateLastSeq(onePast);
        else if (len > 0)
            // Payload that does not advance: a retransmission. (A SYN carrying data lands here too, as in Zeek.)
            ScaledLetter(ref history, isOrig ? 'T' : 't', ref endpoint.Retransmissions);
    }

    /// <summary>Zeek's per-state update; returns whether the sender has now closed (FIN or RST).</summary>
    private static bool UpdateStateMachine(ref ZeekConnection z, ref Side originator, Side senderSide, bool isOrig,
        uint baseSeq, int len, bool syn, bool ack, bool fin, bool rst)
    {
        ref var endpoint = ref z.Endpoint(senderSide);
        ref var peer = ref z.Endpoint(senderSide.Other());
        bool doClose = false;

        switch (endpoint.State)
        {
            case ZeekEndpointState.Inactive:
                if (syn)
                {
                    if (isOrig)
                        endpoint.SetState(ack ? ZeekEndpointState.SynAckSent : ZeekEndpointState.SynSent);
                    else
                    {
                        if (!ack && peer.State == ZeekEndpointState.SynAckSent && baseSeq == (uint)endpoint.StartSeq)
                        {
                            // The SYN-ACK was seen before the SYN (e.g. two capture interfaces): swap the roles.
                            z.IsPartial = false;
                            FlipRoles(ref z, ref originator);
                            peer.SetState(ZeekEndpointState.Established);
                            z.FirstPacketSeen |= SeenOriginator;
                        }
                        if (peer.State == ZeekEndpointState.SynSent)
                            peer.SetState(ZeekEndpointState.Established);
                        endpoint.SetState(ZeekEndpointState.Established);
                    }
                }
                doClose = RecordCloseOrReset(ref endpoint, fin, rst);
                if (endpoint.State == ZeekEndpointState.Inactive)
                {
                    var originatorState = z.Get(originator).State;
                    if (!isOrig && len == 0 && originatorState == ZeekEndpointState.SynSent)
                    {
                        // Some stacks ack a SYN before answering it; that ack does not make the connection partial.
                    }
                    else if (ack && peer.State == ZeekEndpointState.Established)
                    {
                        // Missed the SYN but saw the SYN-ACK: this ACK completes the handshake.
                        endpoint.SetState(ZeekEndpointState.Established);
                        z.IsPartial = false;
                        z.FirstPacketSeen |= isOrig ? SeenOriginator : SeenResponder;
                    }
                    else
                        endpoint.SetState(ZeekEndpointState.Partial);
                }
                break;

            case ZeekEndpointState.SynSent or ZeekEndpointState.SynAckSent:
                doClose = RecordCloseOrReset(ref endpoint, fin, rst);
                break;

            case ZeekEndpointState.Established or ZeekEndpointState.Partial:
                if (syn && endpoint.State == ZeekEndpointState.Partial && peer.State == ZeekEndpointState.Inactive && !ack)
                    endpoint.SetState(ZeekEndpointState.SynSent);
                if (fin && !rst)
                {
                    endpoint.SetState(ZeekEndpointState.Closed);
                    // A FIN after the peer's FIN-then-RST: the RST ended a normal close, so the peer counts as closed.
                    if (peer.State == ZeekEndpointState.Reset && peer.PreviousState == ZeekEndpointState.Closed)
                        peer.SetState(ZeekEndpointState.Closed);
                    doClose = true;
                }
                if (rst)
                {
                    endpoint.SetState(ZeekEndpointState.Reset);
                    doClose = true;
                }
                break;

            case ZeekEndpointState.Closed:
                // After both FINs a RST changes nothing: the close had completed.
                if (rst && peer.State != ZeekEndpointState.Closed)
                {
                    endpoint.SetState(ZeekEndpointState.Reset);
                    if (!endpoint.DidClose)
                        doClose = true;
                }
                break;

            case ZeekEndpointState.Reset:
                break;
        }
        return doClose;
    }

    /// <summary>Before establishment a FIN means CLOSED and a RST means RESET, whatever the numbers say.</summary>
    private static bool RecordCloseOrReset(ref ZeekEndpoint endpoint, bool fin, bool rst)
    {
        if (fin) endpoint.SetState(ZeekEndpointState.Closed);
        if (rst) endpoint.SetState(ZeekEndpointState.Reset);
        return fin || rst;
    }

    private static void FlipRoles(ref ZeekConnection z, ref Side originator)
    {
        originator = originator.Other();
        byte seen = z.FirstPacketSeen;
        z.FirstPacketSeen = (byte)(((seen & SeenOriginator) != 0 ? SeenResponder : 0) | ((seen & SeenResponder) != 0 ? SeenOriginator : 0));
        z.IsPartial = false;
        z.History.Add('^');
    }

    /// <summary>The peer acknowledged <paramref name="dataSide"/>'s data up to <paramref name="relAck"/>: report any hole it skips.</summary>
    private static void AcknowledgmentReceived(ref ZeekConnection z, Side dataSide, Side originator, ulong relAck, DataRangePool ranges)
    {
        ref var endpoint = ref z.Endpoint(dataSide);
        ref var peer = ref z.Endpoint(dataSide.Other());
        ulong seq = relAck;
        if (endpoint.FinCount > 0 && seq >= endpoint.FinSeq)
            seq = endpoint.FinSeq - 1;
        if (seq <= endpoint.Trimmed)
            return;

        if (seq > endpoint.Delivered)
        {
            // The first ack of a partial connection may cover the faked SYN octet or a keep-alive byte: not a gap.
            if (!(seq <= 2 && z.IsPartial))
            {
                bool isOrig = dataSide == originator;
                while (endpoint.OutOfOrder >= 0 && ranges.Start(endpoint.OutOfOrder) < seq)
                {
                    ulong start = ranges.Start(endpoint.OutOfOrder);
                    if (start > endpoint.Delivered)
                        ReportGap(ref z, ref endpoint, peer, isOrig, start - endpoint.Delivered);
                    endpoint.Delivered = Math.Max(endpoint.Delivered, ranges.End(endpoint.OutOfOrder));
                    ranges.RemoveFirst(ref endpoint.OutOfOrder);
                }
                if (seq > endpoint.Delivered)
                    ReportGap(ref z, ref endpoint, peer, isOrig, seq - endpoint.Delivered);
                endpoint.Delivered = Math.Max(endpoint.Delivered, seq);
            }
        }
        endpoint.Trimmed = seq;
        while (endpoint.OutOfOrder >= 0 && ranges.End(endpoint.OutOfOrder) <= seq)
            ranges.RemoveFirst(ref endpoint.OutOfOrder);
    }

    private static void ReportGap(ref ZeekConnection z, ref ZeekEndpoint endpoint, in ZeekEndpoint peer, bool isOrig, ulong length)
    {
        // Gaps are only trusted while both sides are established or closed straight from established; elsewhere
        // they come from RST sequence numbers or unseen starts of partial connections.
        if (!endpoint.IsClean || !peer.IsClean)
            return;
        ScaledLetter(ref z.History, isOrig ? 'G' : 'g', ref endpoint.Gaps);
        z.MissedBytes += length;
    }

    private static void DataSent(ref ZeekEndpoint endpoint, ulong seq, ulong len, DataRangePool ranges)
    {
        ulong acked = endpoint.ToRelative(endpoint.AckSeq, endpoint.AckWraps);
        ulong upper = seq + len;
        if (seq < acked)
        {
            if (upper <= acked)
                return; // already delivered and acknowledged
            seq = acked;
        }
        if (upper <= endpoint.Trimmed)
            return;
        if (seq < endpoint.Trimmed)
            seq = endpoint.Trimmed;

        if (seq <= endpoint.Delivered)
        {
            if (upper > endpoint.Delivered)
            {
                endpoint.Delivered = upper;
                // The new data may close the hole before ranges that waited above it.
                while (endpoint.OutOfOrder >= 0 && ranges.Start(endpoint.OutOfOrder) <= endpoint.Delivered)
                {
                    endpoint.Delivered = Math.Max(endpoint.Delivered, ranges.End(endpoint.OutOfOrder));
                    ranges.RemoveFirst(ref endpoint.OutOfOrder);
                }
            }
        }
        else
            ranges.Insert(ref endpoint.OutOfOrder, seq, upper);
    }
}
