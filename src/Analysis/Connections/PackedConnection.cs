using System.Runtime.InteropServices;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Analysis.Zeek;

namespace TcpState.Analysis.Connections;

/// <summary>
/// A parked connection out of the slot array altogether: its slot's fields and its <see cref="ParkedDetail"/> in
/// 96 bytes, where a slot and a parked detail take 184 (an IPv6 connection's addresses take 32 more, kept by the
/// <see cref="ConnectionTable"/> beside it). With a million connections open nearly all are quiet, so this is
/// most of the table's memory. The connection keeps its place in its hash chain and its expiry queue (the
/// <see cref="ConnectionTable"/> links slots and packed connections alike, by handle), so lookups, expiry order and
/// output are as if it had stayed in its slot.
/// <para>
/// It is the parked detail and the slot re-encoded: states, flags and small counts in bit fields, the history as
/// five-bit letter codes, the last packet's time as a span from the first. Each value is range-checked before it is
/// stored in fewer bits, so it comes back as it was. Two things are left out because they follow from the rest, and
/// <see cref="TryPack"/> checks each against what it is before leaving it out: an endpoint's last ACK is its peer's
/// SND.NXT (everything sent was acknowledged; for a peer that sent nothing, one past Zeek's start for it; the one
/// field that dates a retransmitted SYN-ACK's receipt instead is kept above a short history), and the one-time
/// history letters seen are those the history shows. A connection that does not fit (transitions kept,
/// anything out of range) stays parked in its slot. The <see cref="ParkedDetail"/> it re-encodes is itself checked
/// byte for byte, so both steps are exact.
/// </para>
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct PackedConnection
{
    /// <summary>The longest time from the first packet to the last that fits (46 bits of nanoseconds: 19.5 hours).</summary>
    public const long MaxSpanNanoseconds = (1L << 46) - 1;

    // First: a returned entry's first four bytes are the pool's free-list link.
    public int NextInBucket;
    public int QueuePrevious;
    public int QueueNext;

    /// <summary>
    /// An IPv4 connection's addresses. An IPv6 connection's (<see cref="HasIpv6Addresses"/>) are kept by the table:
    /// then the first is its key's hash, which a lookup compares before reading them, and the second where they are.
    /// </summary>
    public uint AddressA;
    public uint AddressB;
    public ushort PortA;
    public ushort PortB;
    public long FirstSeenNs;

    /// <summary>Nanoseconds from the first packet to the last, low 32 bits.</summary>
    private uint _spanLow;

    /// <summary>
    /// The span's high 14 bits; the top bit marks the entry in use, so the pool can be scanned, and the next one an
    /// IPv6 connection.
    /// </summary>
    private ushort _spanHigh;

    /// <summary><see cref="ConnectionFlags"/> in the low 11 bits, then the originator, reached-ESTABLISHED, Zeek's bits.</summary>
    private ushort _bits;

    private uint _ordinal;

    /// <summary>Packets from A in the low 30 bits; the RSTs A sent (up to three) in the top two. So for B.</summary>
    private uint _packetsA, _packetsB;

    private ulong _history;
    private PackedEndpoint _a;
    private PackedEndpoint _b;

    private const ushort InUseMark = 0x8000;
    private const ushort Ipv6Mark = 0x4000;
    private const ushort SpanHighMask = 0x3FFF;
    private const int FlagBits = 11;
    private const int OriginatorBit = 11, ReachedEstablishedBit = 12, ZeekBitsShift = 13;
    private const int PacketBits = 30;
    private const uint MaxPackets = (1u << PacketBits) - 1;
    private const byte ZeekBitsWithoutRsts = 7;

    /// <summary>History letters that can be held: every letter Zeek's model writes, in five-bit codes.</summary>
    private static ReadOnlySpan<byte> Alphabet => "^SHADFRIQCWTGshadfriqcwtg"u8;

    /// <summary>By letter: its code plus one (0 for a letter that cannot be held), and its bit in <see cref="ZeekHistory.Seen"/>.</summary>
    private static readonly (byte CodePlusOne, uint SeenMask)[] Letters = BuildLetters();

    public readonly bool InUse => (_spanHigh & InUseMark) != 0;

    public readonly long LastSeenNs => FirstSeenNs + (long)(((ulong)(_spanHigh & SpanHighMask) << 32) | _spanLow);

    public readonly bool HasIpv6Addresses => (_spanHigh & Ipv6Mark) != 0;

    public readonly long Ordinal => _ordinal;

    /// <summary>Marks a returned entry out of use, for <see cref="ConnectionTable"/>'s scans.</summary>
    public void Release() => _spanHigh = 0;

    /// <summary>Whether an IPv4 connection's key is <paramref name="key"/> (an IPv6 one's the table compares).</summary>
    public readonly bool MatchesIpv4(in ConnectionKey key) =>
        key.PortA == PortA && key.PortB == PortB &&
        key.AddressA.Low == (V4Mapped | AddressA) && key.AddressB.Low == (V4Mapped | AddressB) &&
        key.AddressA.High == 0 && key.AddressB.High == 0;

    /// <summary>An IPv4 connection's key.</summary>
    public readonly ConnectionKey Ipv4Key =>
        new(IpAddress.FromIpv4(AddressA), PortA, IpAddress.FromIpv4(AddressB), PortB);

    /// <summary>Where an IPv4 connection's addresses go.</summary>
    public void SetIpv4Addresses(in ConnectionKey key)
    {
        AddressA = key.AddressA.Ipv4Value;
        AddressB = key.AddressB.Ipv4Value;
    }

    /// <summary>An IPv6 connection's: its key's hash, and where the table keeps its addresses.</summary>
    public void SetIpv6Addresses(int keyHash, int addressIndex)
    {
        AddressA = (uint)keyHash;
        AddressB = (uint)addressIndex;
        _spanHigh |= Ipv6Mark;
    }

    private static readonly ulong V4Mapped = IpAddress.FromIpv4(0).Low;

    /// <summary>
    /// Packs a parked connection (a slot in the Active, Handshake or Closed queue, not holding a SYN) and its parked detail
    /// when every value fits its narrower field and what is left out is what it would be predicted to be; false leaves
    /// <paramref name="packed"/> meaningless. The addresses are the table's to set (<see cref="SetIpv4Addresses"/>,
    /// <see cref="SetIpv6Addresses"/>).
    /// </summary>
    public static bool TryPack(in Connection connection, in ParkedDetail parked, out PackedConnection packed)
    {
        packed = default;
        long span = connection.LastSeen.UnixNanoseconds - connection.FirstSeen.UnixNanoseconds;
        if (connection.Ordinal is < 0 or > uint.MaxValue ||
            span is < 0 or > MaxSpanNanoseconds || (int)connection.Flags >= 1 << FlagBits ||
            connection.PacketsA > MaxPackets || connection.PacketsB > MaxPackets ||
            parked.TransitionHead != -1 || parked.TransitionTail != -1 || parked.TransitionCount != 0 ||
            connection.Syn.Holdable ||
            connection.Queue != QueueOf(parked, connection.Originator, connection.ReachedEstablished) ||
            !TryPackReceipt(parked, out ulong receipt) ||
            !TryPackHistory(parked, receipt == 0 ? MaxHistory : MaxHistoryWithReceipt, out packed._history) ||
            !PackedEndpoint.TryPack(parked.A, out packed._a) || !PackedEndpoint.TryPack(parked.B, out packed._b))
            return false;
        packed._history |= receipt << ReceiptShift;
        packed.PortA = connection.Key.PortA;
        packed.PortB = connection.Key.PortB;
        packed.FirstSeenNs = connection.FirstSeen.UnixNanoseconds;
        packed._spanLow = (uint)span;
        packed._spanHigh = (ushort)(InUseMark | (ushort)(span >> 32));
        packed._ordinal = (uint)connection.Ordinal;
        packed._packetsA = connection.PacketsA | (uint)parked.RstsA << PacketBits;
        packed._packetsB = connection.PacketsB | (uint)parked.RstsB << PacketBits;
        packed._bits = (ushort)((ushort)connection.Flags |
                                (connection.Originator == Side.B ? 1 << OriginatorBit : 0) |
                                (connection.ReachedEstablished ? 1 << ReachedEstablishedBit : 0) |
                                (parked.ZeekBits & ZeekBitsWithoutRsts) << ZeekBitsShift);
        return true;
    }

    /// <summary>
    /// Writes the connection's slot fields into <paramref name="connection"/>, with its key (which the table knows): in
    /// use, in its queue, no detail and no held SYN. The table links it; the caller gives it its detail.
    /// </summary>
    public readonly void UnpackInto(ref Connection connection, in ConnectionKey key)
    {
        connection = default;
        connection.Key = key;
        connection.Ordinal = _ordinal;
        connection.FirstSeen = new PacketTime(FirstSeenNs);
        connection.LastSeen = new PacketTime(LastSeenNs);
        connection.PacketsA = _packetsA & MaxPackets;
        connection.PacketsB = _packetsB & MaxPackets;
        connection.Flags = (ConnectionFlags)(_bits & ((1 << FlagBits) - 1));
        connection.Originator = (_bits & 1 << OriginatorBit) != 0 ? Side.B : Side.A;
        connection.ReachedEstablished = (_bits & 1 << ReachedEstablishedBit) != 0;
        connection.InUse = true;
        connection.Queue = ExpiryQueues.Of(_a.State, _b.State, _a.HasSent || _b.HasSent,
            connection.Originator == Side.A ? _a.State : _b.State, connection.ReachedEstablished);
        connection.Detail = Connection.NoDetail;
        connection.NextInBucket = connection.QueuePrevious = connection.QueueNext = -1;
    }

    public readonly void UnpackDetail(out ParkedDetail parked)
    {
        parked = default;
        _a.UnpackInto(ref parked.A, _b);
        _b.UnpackInto(ref parked.B, _a);
        // Only a short history leaves room for a receipt's date; a longer one's letters fill the word.
        if ((_history & 0xF) <= MaxHistoryWithReceipt && _history >> ReceiptShift is var receipt and not 0)
        {
            if (ParkedEndpoint.MayDateReceipt(parked.A.Flags)) parked.A.LastAck = (uint)receipt;
            else parked.B.LastAck = (uint)receipt;
        }
        parked.TransitionHead = parked.TransitionTail = -1;
        parked.ZeekBits = (byte)((uint)(_bits >> ZeekBitsShift) | (_packetsA >> PacketBits) << ParkedDetail.RstShiftA |
                                 (_packetsB >> PacketBits) << ParkedDetail.RstShiftB);
        int length = (int)(_history & 0xF);
        parked.HistoryLength = (byte)length;
        for (int i = 0; i < length; i++)
        {
            byte letter = Alphabet[(int)(_history >> (4 + 5 * i)) & 0x1F];
            parked.History[i] = letter;
            parked.HistorySeen |= Letters[letter].SeenMask;
        }
    }

    /// <summary>
    /// The queue a connection waits in follows from its states as the tracker chooses it (<see cref="ExpiryQueues.Of"/>),
    /// so it needs no bits of its own. TIME_WAIT's is not one of these: a connection waiting there is not packed.
    /// </summary>
    private static ExpiryQueue QueueOf(in ParkedDetail parked, Side originator, bool reachedEstablished) =>
        ExpiryQueues.Of(parked.A.State, parked.B.State,
            ((parked.A.Flags | parked.B.Flags) & ParkedEndpoint.Bits.HasSent) != 0,
            originator == Side.A ? parked.A.State : parked.B.State, reachedEstablished);

    /// <summary>
    /// Everything the peer sent acknowledged: its SND.NXT. A peer that has sent nothing was picked up from this
    /// endpoint's ACK (an ACK flood's connection), which Zeek took its start from, one before.
    /// </summary>
    /// <remarks>One rule for packing (checked) and unpacking (<see cref="PackedEndpoint.UnpackInto"/>).</remarks>
    internal static uint PredictedLastAck(ParkedEndpoint.Bits flags, ParkedEndpoint.Bits peerFlags, uint peerSendNext,
        uint peerIsn) =>
        (flags & ParkedEndpoint.Bits.HasAcked) == 0 ? 0
        : (peerFlags & ParkedEndpoint.Bits.HasSent) != 0 ? peerSendNext
        : peerIsn + 1;

    /// <summary>
    /// Each last ACK is predicted (<see cref="PredictedLastAck"/>), but for one field that is not a last ACK: that of an
    /// endpoint that has acknowledged nothing and awaits a SYN-ACK retransmitted since, which dates the first
    /// (<see cref="ParkedEndpoint.Bits.PendingReceipt"/>). Its value goes above a short history, in
    /// <see cref="ReceiptBits"/> bits; only one endpoint may be of that kind, so unpacking knows whose it is.
    /// </summary>
    private static bool TryPackReceipt(in ParkedDetail parked, out ulong receipt)
    {
        receipt = 0;
        bool predictedA = parked.A.LastAck == PredictedLastAck(parked.A.Flags, parked.B.Flags, parked.B.SendNext, parked.B.Isn);
        bool predictedB = parked.B.LastAck == PredictedLastAck(parked.B.Flags, parked.A.Flags, parked.A.SendNext, parked.A.Isn);
        if (predictedA && predictedB)
            return true;
        if (predictedA == predictedB ||
            ParkedEndpoint.MayDateReceipt(parked.A.Flags) == ParkedEndpoint.MayDateReceipt(parked.B.Flags))
            return false;
        ref readonly var dated = ref predictedA ? ref parked.B : ref parked.A;
        if (!ParkedEndpoint.MayDateReceipt(dated.Flags) || dated.LastAck > MaxReceipt)
            return false;
        receipt = dated.LastAck;
        return true;
    }

    private const int MaxHistory = 12, MaxHistoryWithReceipt = 6;
    private const int ReceiptShift = 4 + 5 * MaxHistoryWithReceipt, ReceiptBits = 64 - ReceiptShift;
    private const ulong MaxReceipt = (1UL << ReceiptBits) - 1;

    private static bool TryPackHistory(in ParkedDetail parked, int maxLength, out ulong history)
    {
        history = 0;
        if (parked.HistoryLength > maxLength)
            return false;
        history = parked.HistoryLength;
        uint seen = 0;
        for (int i = 0; i < parked.HistoryLength; i++)
        {
            byte letter = parked.History[i];
            if (letter >= Letters.Length || Letters[letter].CodePlusOne == 0)
                return false;
            history |= (ulong)(Letters[letter].CodePlusOne - 1) << (4 + 5 * i);
            seen |= Letters[letter].SeenMask;
        }
        return seen == parked.HistorySeen;
    }

    private static (byte, uint)[] BuildLetters()
    {
        var letters = new (byte, uint)[128];
        for (int code = 0; code < Alphabet.Length; code++)
        {
            char letter = (char)Alphabet[code];
            // The one-time letters, as ZeekTcpModel records them in ZeekHistory.Seen: the responder's 16 bits up.
            uint mask = char.ToUpperInvariant(letter) switch
            {
                'S' or 'H' => ZeekTcpModel.HistSyn,
                'F' => ZeekTcpModel.HistFin,
                'R' => ZeekTcpModel.HistRst,
                'I' => ZeekTcpModel.HistFinRst,
                'Q' => ZeekTcpModel.HistMultiFlag,
                'D' => ZeekTcpModel.HistData,
                'A' => ZeekTcpModel.HistAck,
                _ => 0,
            };
            letters[letter] = ((byte)(code + 1), char.IsLower(letter) ? mask << 16 : mask);
        }
        return letters;
    }

}

/// <summary>One endpoint of a <see cref="PackedConnection"/>: a <see cref="ParkedEndpoint"/> in 18 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 2)]
internal struct PackedEndpoint
{
    private uint _isn;
    private uint _sendNext;
    private uint _transitionAge;
    private ushort _window;

    /// <summary>RFC state (4 bits), Zeek's state and previous state (3 each), flags (8), offered scale and shift + 1 (4 each), retransmissions (6).</summary>
    private uint _bits;

    public static bool TryPack(in ParkedEndpoint endpoint, out PackedEndpoint packed)
    {
        packed = default;
        if ((byte)endpoint.State > 15 || (byte)endpoint.ZeekState > 7 || (byte)endpoint.ZeekPreviousState > 7 ||
            endpoint.OfferedScale is < -1 or > 14 || endpoint.WindowShift is < -1 or > 14 || endpoint.Retransmissions > 63)
            return false;
        packed._isn = endpoint.Isn;
        packed._sendNext = endpoint.SendNext;
        packed._transitionAge = endpoint.TransitionAge;
        packed._window = endpoint.Window;
        packed._bits = (uint)endpoint.State | (uint)endpoint.ZeekState << 4 | (uint)endpoint.ZeekPreviousState << 7 |
                       (uint)endpoint.Flags << 10 | (uint)(endpoint.OfferedScale + 1) << 18 |
                       (uint)(endpoint.WindowShift + 1) << 22 | (uint)endpoint.Retransmissions << 26;
        return true;
    }

    public readonly RfcState State => (RfcState)(_bits & 0xF);

    private readonly ParkedEndpoint.Bits Flags => (ParkedEndpoint.Bits)(_bits >> 10 & 0xFF);

    public readonly bool HasSent => (Flags & ParkedEndpoint.Bits.HasSent) != 0;

    /// <summary>The endpoint in full; its last ACK predicted (<see cref="PackedConnection.PredictedLastAck"/>).</summary>
    public readonly void UnpackInto(ref ParkedEndpoint endpoint, in PackedEndpoint peer)
    {
        endpoint.Isn = _isn;
        endpoint.SendNext = _sendNext;
        endpoint.TransitionAge = _transitionAge;
        endpoint.Window = _window;
        endpoint.State = (RfcState)(_bits & 0xF);
        endpoint.ZeekState = (ZeekEndpointState)(_bits >> 4 & 7);
        endpoint.ZeekPreviousState = (ZeekEndpointState)(_bits >> 7 & 7);
        endpoint.Flags = Flags;
        endpoint.OfferedScale = (sbyte)((int)(_bits >> 18 & 0xF) - 1);
        endpoint.WindowShift = (sbyte)((int)(_bits >> 22 & 0xF) - 1);
        endpoint.Retransmissions = (ushort)(_bits >> 26 & 0x3F);
        endpoint.LastAck = PackedConnection.PredictedLastAck(endpoint.Flags, peer.Flags, peer._sendNext, peer._isn);
    }
}
