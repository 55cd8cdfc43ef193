using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TcpState.Analysis.Zeek;
using TcpState.Capture;

namespace TcpState.Analysis.Connections;

/// <summary>
/// A quiet connection's <see cref="ConnectionDetail"/> in a fifth of the space. Most of a detail is predictable once
/// a connection has settled — Zeek's sequence space starts at the ISN and ends where the RFC track's does, nothing is
/// out of order, at most one FIN and three RSTs were sent, each at SND.NXT — so only what cannot be predicted is kept.
/// Whether the prediction holds is not argued field by field: <see cref="ParkedPool.TryPack"/> unpacks what it packed
/// and compares every byte with the original, and a connection whose detail does not come back identical simply stays
/// unpacked. Unparking is therefore exact by construction, and the output cannot tell whether a connection was ever
/// parked.
/// </summary>
/// <remarks>Packed to two-byte alignment: 80 bytes where natural alignment made 84.</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 2)]
internal struct ParkedDetail
{
    /// <summary>Letters of Zeek's history the parked form keeps; a quiet connection's is rarely over eight.</summary>
    public const int HistoryCapacity = 12;

    public ParkedEndpoint A;
    public ParkedEndpoint B;

    public int TransitionHead;
    public int TransitionTail;

    /// <summary>Zeek's one-time history letters seen (<see cref="ZeekHistory.Seen"/>).</summary>
    public uint HistorySeen;
    public ushort TransitionCount;
    public HistoryLetters History;
    public byte HistoryLength;

    /// <summary>
    /// Zeek's FirstPacketSeen in the low two bits, IsPartial in the third, then each endpoint's RSTs sent (up to three;
    /// two bits each, A's first): a connection reset or refused is closed, and parked under a flood of them.
    /// </summary>
    public byte ZeekBits;

    public const int MaxRsts = 3, RstShiftA = 3, RstShiftB = 5;

    public readonly int RstsA => ZeekBits >> RstShiftA & MaxRsts;

    public readonly int RstsB => ZeekBits >> RstShiftB & MaxRsts;

    [InlineArray(HistoryCapacity)]
    public struct HistoryLetters
    {
        private byte _first;
    }
}

/// <summary>One endpoint of a <see cref="ParkedDetail"/>: its RFC track and the Zeek counters that are not predictable.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 2)]
internal struct ParkedEndpoint
{
    /// <summary>The ISN; while none was seen (a connection picked up mid-stream), where Zeek starts its sequence space.</summary>
    public uint Isn;
    public uint SendNext;
    public uint LastAck;

    /// <summary>
    /// Nanoseconds from the connection's first packet to this endpoint's latest transition, or from that transition to
    /// its last packet when that fits and the first does not (a long connection's close).
    /// </summary>
    public uint TransitionAge;

    /// <summary>
    /// <see cref="TransitionAge"/> of an endpoint that never changed state: the CLOSED port that refuses a SYN with RST.
    /// </summary>
    public const uint NeverTransitioned = uint.MaxValue;

    public ushort Window;
    public ushort Retransmissions;
    public sbyte OfferedScale;
    public sbyte WindowShift;
    public RfcState State;
    public ZeekEndpointState ZeekState;
    public ZeekEndpointState ZeekPreviousState;
    public Bits Flags;

    /// <summary>
    /// Whether an endpoint's <see cref="LastAck"/> may date its pending receipt instead (<see cref="Bits.PendingReceipt"/>):
    /// one awaits and it has acknowledged nothing.
    /// </summary>
    public static bool MayDateReceipt(Bits flags) => (flags & (Bits.PendingReceipt | Bits.HasAcked)) == Bits.PendingReceipt;

    [Flags]
    public enum Bits : byte
    {
        None = 0,
        PassiveOpen = 1 << 0,
        HasSent = 1 << 1,
        HasIsn = 1 << 2,
        HasAcked = 1 << 3,
        ZeekHasDoneSomething = 1 << 4,
        /// <summary>It sent a FIN, once (a CLOSE_WAIT connection's peer, a FIN_WAIT_2 endpoint).</summary>
        FinSent = 1 << 5,
        /// <summary><see cref="TransitionAge"/> counts back from the connection's last packet, not on from its first.</summary>
        TransitionBeforeLastPacket = 1 << 6,
        /// <summary>
        /// One receipt waits (<see cref="EndpointTrack.Pending"/>): of the peer's SYN-ACK (or SYN) or FIN, whichever its
        /// SND.NXT ends with, seen at the connection's last packet: a handshake answered and never completed, as in a
        /// SYN flood a server answers with cookies. For an endpoint that has acknowledged nothing, <see cref="LastAck"/>
        /// may instead hold when it was seen, one on from the first packet in nanoseconds: a SYN-ACK retransmitted
        /// comes after the first, which the receipt waits from, as from a server that answers a flood without cookies.
        /// </summary>
        PendingReceipt = 1 << 7,
    }
}

/// <summary>
/// The parked details, in a <see cref="ChunkedPool{T}"/>. A connection-table slot points at one by a negative
/// <see cref="Connection.Detail"/> (see <see cref="Connection.IsParked"/>).
/// </summary>
internal sealed class ParkedPool
{
    private readonly ChunkedPool<ParkedDetail> _parked = new();

    /// <summary>Where <see cref="TryPack"/> unpacks its candidate to compare it with the original.</summary>
    private ConnectionDetail _check;

    public int InUse => _parked.InUse;

    public void Prefetch(int index) => MemoryHint.Prefetch(ref _parked[index], Unsafe.SizeOf<ParkedDetail>());

    /// <summary>
    /// Packs <paramref name="detail"/> when it unpacks to exactly the same bytes; false when it would not. The caller
    /// keeps the packed form in a slot (<see cref="Store"/>) or, more compactly still, as a <see cref="PackedConnection"/>.
    /// </summary>
    public bool TryPack(in Connection connection, in ConnectionDetail detail, out ParkedDetail parked)
    {
        if (!Pack(connection, detail, out parked))
            return false;
        Unpack(connection, parked, ref _check);
        return AsBytes(ref _check).SequenceEqual(AsBytes(ref Unsafe.AsRef(in detail)));
    }

    /// <summary>Keeps a parked detail for a connection that stays in its slot; the index goes in <see cref="Connection.Park"/>.</summary>
    public int Store(in ParkedDetail parked)
    {
        int index = _parked.Rent();
        _parked[index] = parked;
        return index;
    }

    /// <summary>Writes the parked detail back in full and frees its entry.</summary>
    public void Unpark(int index, in Connection connection, ref ConnectionDetail detail)
    {
        Unpack(connection, _parked[index], ref detail);
        _parked.Return(index);
    }

    /// <summary>Writes the parked detail out in full, leaving it parked (for a look at every connection).</summary>
    public void Peek(int index, in Connection connection, ref ConnectionDetail detail) =>
        Unpack(connection, _parked[index], ref detail);

    private static Span<byte> AsBytes(ref ConnectionDetail detail) =>
        MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref detail, 1));

    /// <summary>False when something the parked form has no room for is set; a wrong prediction is caught by the caller.</summary>
    private static bool Pack(in Connection connection, in ConnectionDetail detail, out ParkedDetail parked)
    {
        parked = default;
        ref readonly var history = ref detail.Zeek.History;
        if (history.Length > ParkedDetail.HistoryCapacity || history.Truncated ||
            detail.Zeek.A.OutOfOrder >= 0 || detail.Zeek.B.OutOfOrder >= 0 ||
            !PackEndpoint(connection, detail.A, detail.Zeek.A, out parked.A) ||
            !PackEndpoint(connection, detail.B, detail.Zeek.B, out parked.B))
            return false;
        parked.TransitionHead = detail.TransitionHead;
        parked.TransitionTail = detail.TransitionTail;
        parked.TransitionCount = detail.TransitionCount;
        parked.HistorySeen = history.Seen;
        parked.HistoryLength = (byte)history.Length;
        for (int i = 0; i < history.Length; i++)
            parked.History[i] = (byte)history[i];
        int rstsA = detail.Zeek.A.RstCount, rstsB = detail.Zeek.B.RstCount;
        if (rstsA is < 0 or > ParkedDetail.MaxRsts || rstsB is < 0 or > ParkedDetail.MaxRsts)
            return false;
        parked.ZeekBits = (byte)(detail.Zeek.FirstPacketSeen | (detail.Zeek.IsPartial ? 4 : 0) |
                                 rstsA << ParkedDetail.RstShiftA | rstsB << ParkedDetail.RstShiftB);
        return true;
    }

    private static bool PackEndpoint(in Connection connection, in EndpointTrack track, in ZeekEndpoint zeek, out ParkedEndpoint parked)
    {
        parked = default;
        if (track.Pending.Count > 1 || zeek.Retransmissions > ushort.MaxValue)
            return false;
        // Without an ISN (picked up mid-stream) the field holds the start Zeek chose instead.
        if (!track.HasIsn && (track.Isn != 0 || zeek.StartSeq is < 0 or > uint.MaxValue))
            return false;
        long age = track.LastTransitionTime.UnixNanoseconds - connection.FirstSeen.UnixNanoseconds;
        if (track.LastTransitionTime == default)
            age = ParkedEndpoint.NeverTransitioned;
        else if (age is < 0 or >= ParkedEndpoint.NeverTransitioned)
        {
            age = connection.LastSeen.UnixNanoseconds - track.LastTransitionTime.UnixNanoseconds;
            if (age is < 0 or >= ParkedEndpoint.NeverTransitioned)
                return false;
            parked.Flags = ParkedEndpoint.Bits.TransitionBeforeLastPacket;
        }
        parked.Isn = track.HasIsn ? track.Isn : (uint)zeek.StartSeq;
        parked.SendNext = track.SendNext;
        parked.LastAck = track.LastAck;
        parked.TransitionAge = (uint)age;
        parked.Window = track.Window;
        parked.OfferedScale = track.OfferedScale;
        parked.WindowShift = track.WindowShift;
        parked.State = track.State;
        parked.ZeekState = zeek.State;
        parked.ZeekPreviousState = zeek.PreviousState;
        parked.Retransmissions = (ushort)zeek.Retransmissions;
        parked.Flags |=
            (track.PassiveOpen ? ParkedEndpoint.Bits.PassiveOpen : 0) |
            (track.HasSent ? ParkedEndpoint.Bits.HasSent : 0) |
            (track.HasIsn ? ParkedEndpoint.Bits.HasIsn : 0) |
            (track.HasAcked ? ParkedEndpoint.Bits.HasAcked : 0) |
            (zeek.HasDoneSomething ? ParkedEndpoint.Bits.ZeekHasDoneSomething : 0) |
            (track.FinSent ? ParkedEndpoint.Bits.FinSent : 0) |
            (track.Pending.Count == 1 ? ParkedEndpoint.Bits.PendingReceipt : 0);
        if (track.Pending.Count == 1 && track.Pending.Peek().Seen != connection.LastSeen)
        {
            long since = track.Pending.Peek().Seen.UnixNanoseconds - connection.FirstSeen.UnixNanoseconds;
            if (track.HasAcked || track.LastAck != 0 || since is < 0 or >= uint.MaxValue)
                return false;
            parked.LastAck = (uint)since + 1;
        }
        return true;
    }

    /// <summary>The detail in full, as it was when packed.</summary>
    public static void Unpack(in Connection connection, in ParkedDetail parked, ref ConnectionDetail detail)
    {
        ConnectionDetail.Reset(ref detail);
        UnpackEndpoint(connection, parked.A, parked.B, connection.PacketsA, connection.PacketsB, parked.RstsA, parked.RstsB,
            ref detail.A, ref detail.Zeek.A);
        UnpackEndpoint(connection, parked.B, parked.A, connection.PacketsB, connection.PacketsA, parked.RstsB, parked.RstsA,
            ref detail.B, ref detail.Zeek.B);
        detail.TransitionHead = parked.TransitionHead;
        detail.TransitionTail = parked.TransitionTail;
        detail.TransitionCount = parked.TransitionCount;
        ref var zeek = ref detail.Zeek;
        zeek.History.Seen = parked.HistorySeen;
        for (int i = 0; i < parked.HistoryLength; i++)
            zeek.History.Add((char)parked.History[i]);
        zeek.FirstPacketSeen = (byte)(parked.ZeekBits & 3);
        zeek.IsPartial = (parked.ZeekBits & 4) != 0;
        zeek.LastTime = connection.LastSeen;
    }

    /// <summary>
    /// The endpoint in full. What is not stored is predicted: Zeek numbers this endpoint's sequence space from its ISN
    /// (or, picked up mid-stream, from the start it chose, stored in its place), has seen it send up to SND.NXT, the
    /// peer acknowledge up to the peer's last ACK (the start while there is none to go by), and every byte delivered
    /// and trimmed up to those; a FIN, if any, sent once as its last octet; up to three RSTs (counted in
    /// <see cref="ParkedDetail.ZeekBits"/>), each where the endpoint was last; no wraps, no gaps, nothing out of order; a
    /// receipt pending, if any, of what the peer sent last, seen at the connection's last packet unless the endpoint's
    /// unused last ACK says when (<see cref="ParkedEndpoint.Bits.PendingReceipt"/>).
    /// <paramref name="track"/> and <paramref name="zeek"/> arrive initial: <see cref="Unpack"/> has just reset the detail.
    /// </summary>
    private static void UnpackEndpoint(in Connection connection, in ParkedEndpoint parked, in ParkedEndpoint peer,
        uint packets, uint peerPackets, int rsts, int peerRsts, ref EndpointTrack track, ref ZeekEndpoint zeek)
    {
        track.State = parked.State;
        track.PassiveOpen = (parked.Flags & ParkedEndpoint.Bits.PassiveOpen) != 0;
        track.HasSent = (parked.Flags & ParkedEndpoint.Bits.HasSent) != 0;
        track.HasIsn = (parked.Flags & ParkedEndpoint.Bits.HasIsn) != 0;
        track.HasAcked = (parked.Flags & ParkedEndpoint.Bits.HasAcked) != 0;
        track.Isn = track.HasIsn ? parked.Isn : 0;
        track.SendNext = parked.SendNext;
        bool pendingSinceEarlier = ParkedEndpoint.MayDateReceipt(parked.Flags) && parked.LastAck != 0;
        track.LastAck = pendingSinceEarlier ? 0 : parked.LastAck;
        track.Window = parked.Window;
        track.OfferedScale = parked.OfferedScale;
        track.WindowShift = parked.WindowShift;
        track.LastTransitionTime = parked.TransitionAge == ParkedEndpoint.NeverTransitioned ? default
            : (parked.Flags & ParkedEndpoint.Bits.TransitionBeforeLastPacket) != 0
            ? connection.LastSeen.AddNanoseconds(-parked.TransitionAge)
            : connection.FirstSeen.AddNanoseconds(parked.TransitionAge);
        if ((parked.Flags & ParkedEndpoint.Bits.PendingReceipt) != 0)
        {
            var ev = (peer.Flags & ParkedEndpoint.Bits.FinSent) != 0 ? EndpointEvent.ReceiveFin
                : parked.State == RfcState.SynSent ? EndpointEvent.ReceiveSynAck
                : EndpointEvent.ReceiveSyn;
            var seen = pendingSinceEarlier ? connection.FirstSeen.AddNanoseconds(parked.LastAck - 1) : connection.LastSeen;
            track.Pending.Add(new PendingReceive { Seen = seen, AcknowledgedBy = peer.SendNext, Event = ev });
        }

        zeek.State = parked.ZeekState;
        zeek.PreviousState = parked.ZeekPreviousState;
        zeek.HasDoneSomething = (parked.Flags & ParkedEndpoint.Bits.ZeekHasDoneSomething) != 0;
        zeek.Retransmissions = parked.Retransmissions;
        // Zeek's acknowledged point is the start of the sequence space until the peer acknowledges anything, and, for an
        // endpoint that has sent nothing, until the peer's second packet: its first is where Zeek took the start from.
        // Zeek does not take the acknowledgment a RST carries, so a peer that sent nothing but RSTs acknowledged nothing.
        // An endpoint that has sent nothing is last at its start; one with no ISN that sent only RSTs (SND.NXT never
        // set: the closed port refusing a SYN) is last at its RST, one past the start Zeek took from it.
        // An endpoint whose SYN only the peer's SYN-ACK implied (a capture begun mid-handshake; backscatter, a flood's
        // victims answering spoofed SYNs) sent Zeek nothing: its sequence space is its start alone, acknowledged
        // nowhere, however often the SYN-ACK comes again.
        uint start = parked.Isn;
        bool onlyImplied = track.HasSent && packets == 0;
        bool peerAcknowledged = (peer.Flags & ParkedEndpoint.Bits.HasAcked) != 0 && (track.HasSent || peerPackets > 1) &&
                                peerPackets > peerRsts && !onlyImplied;
        bool onlyRsts = rsts > 0 && !track.HasIsn && parked.SendNext == 0;
        uint last = !track.HasSent || onlyImplied ? start : onlyRsts ? start + 1 : parked.SendNext;
        zeek.InitSequence(start, last, peerAcknowledged ? peer.LastAck : start);
        // Counted from the start, the RST-only endpoint is one on, even where its RST's sequence number was 0 (Linux
        // refusing a SYN) and the start before it is 2^32 - 1.
        ulong sent = onlyRsts ? 1 : zeek.ToRelative(zeek.LastSeq, 0);
        ulong acknowledged = zeek.ToRelative(zeek.AckSeq, 0);
        if (rsts > 0)
        {
            // Its RSTs were where it was last, where a RST belongs (the last one's place is what Zeek keeps), and closed it.
            zeek.RstCount = rsts;
            zeek.LastRstHistorySeq = sent;
            zeek.DidClose = true;
        }
        if ((parked.Flags & ParkedEndpoint.Bits.FinSent) != 0)
        {
            // The FIN took the last sequence number; Zeek counts no data past the octet before it.
            track.FinSent = true;
            track.FinSequence = parked.SendNext - 1;
            zeek.FinCount = 1;
            zeek.FinSeq = sent;
            zeek.LastFinHistorySeq = sent - 1;
            zeek.DidClose = true;
            sent--;
            acknowledged = Math.Min(acknowledged, sent);
        }
        zeek.Delivered = Math.Max(1, sent);
        zeek.Trimmed = Math.Max(1, acknowledged);
    }
}
