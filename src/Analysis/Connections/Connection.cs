using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TcpState.Analysis.Zeek;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Connections;

/// <summary>
/// One connection's slot in the connection table: who it is, when it was seen, and the table's plumbing. Its
/// <see cref="ConnectionDetail"/> (both endpoints' RFC tracks and Zeek's model) lives in a <see cref="DetailPool"/>,
/// except while the connection is only an unanswered SYN: then the slot holds that SYN (<see cref="Syn"/>) and the
/// detail is rebuilt from it when needed. A SYN flood is millions of such connections, so each costs a slot and
/// nothing more. Everything is a struct in arrays: creating and finishing connections allocates nothing.
/// </summary>
internal struct Connection
{
    public const int NoDetail = -1;

    public ConnectionKey Key;

    /// <summary>Creation order, for stable output order.</summary>
    public long Ordinal;

    public PacketTime FirstSeen;
    public PacketTime LastSeen;

    /// <summary>
    /// Index of the connection's detail in the <see cref="DetailPool"/>; <see cref="NoDetail"/> while held as its SYN;
    /// below that while parked, encoding the index of its <see cref="ParkedDetail"/> (<see cref="ParkedIndex"/>).
    /// </summary>
    public int Detail;

    // Connection-table plumbing: hash chain and the expiry queue this connection waits in.
    public int NextInBucket;
    public int QueuePrevious;
    public int QueueNext;

    /// <summary>Packets each endpoint sent that moved the analysis (a bad checksum does not).</summary>
    public uint PacketsA;
    public uint PacketsB;

    /// <summary>The SYN an unanswered connection consists of, while <see cref="HeldSyn.Holdable"/> allows holding it compactly.</summary>
    public HeldSyn Syn;

    public ConnectionFlags Flags;

    /// <summary>Which endpoint opened the connection (or is taken to have).</summary>
    public Side Originator;

    public bool InUse;

    public ExpiryQueue Queue;

    /// <summary>Some endpoint reached ESTABLISHED: the connection has left its handshake.</summary>
    public bool ReachedEstablished;

    public readonly Side Responder => Originator.Other();

    public readonly uint PacketsFrom(Side side) => side == Side.A ? PacketsA : PacketsB;

    public readonly bool HasDetail => Detail >= 0;

    public readonly bool IsParked => Detail < NoDetail;

    public readonly int ParkedIndex => NoDetail - 1 - Detail;

    public void Park(int parkedIndex) => Detail = NoDetail - 1 - parkedIndex;
}

/// <summary>
/// What a connection that is nothing but its originator's SYN (and identical retransmissions of it) needs to be
/// rebuilt exactly: the fields of the SYN that the state machine and Zeek's model read. The addresses, ports and
/// times are in the slot itself.
/// </summary>
/// <remarks>
/// Ten bytes, byte-packed with the flags in one byte: at twelve (four-byte alignment, flags in two) the slot was 112
/// bytes instead of 104, for every connection and every source of a flood.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct HeldSyn
{
    public uint Sequence;
    public ushort Window;
    /// <summary>The SYN's flags; only a SYN whose flags fit in the low byte is held (AccECN's AE bit is the ninth).</summary>
    public TcpFlags Flags
    {
        readonly get => (TcpFlags)_flags;
        set => _flags = (byte)value;
    }

    private byte _flags;
    public sbyte WindowScale;
    public ChecksumStatus Checksum;

    /// <summary>False once the connection has seen anything but its SYN: it keeps its detail from then on.</summary>
    public bool Holdable;

    /// <summary>A SYN that, as a connection's first segment, leaves a state rebuilt by replaying it.</summary>
    public static bool CanHold(in TcpSegment segment) =>
        (segment.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst | TcpFlags.Fin)) == TcpFlags.Syn &&
        (ushort)segment.Flags <= byte.MaxValue &&
        segment.PayloadLength == 0 && !segment.Options.HasFastOpen && segment.Checksum != ChecksumStatus.Invalid;

    public static HeldSyn From(in TcpSegment segment) => new()
    {
        Sequence = segment.Sequence,
        Window = segment.Window,
        Flags = segment.Flags,
        WindowScale = segment.Options.WindowScale,
        Checksum = segment.Checksum,
        Holdable = true,
    };

    /// <summary>A retransmission the replay reproduces by replaying the SYN once more at the latest time.</summary>
    public readonly bool IsRepeatedBy(in TcpSegment segment) =>
        CanHold(segment) && segment.Sequence == Sequence && segment.Window == Window && segment.Flags == Flags &&
        segment.Options.WindowScale == WindowScale && segment.Checksum == Checksum;

    /// <summary>The SYN as a segment again, sent by <paramref name="sender"/> of <paramref name="key"/> at <paramref name="time"/>.</summary>
    public readonly TcpSegment ToSegment(in ConnectionKey key, Side sender, PacketTime time)
    {
        var receiver = sender.Other();
        var options = TcpOptions.None;
        options.WindowScale = WindowScale;
        return new TcpSegment
        {
            Timestamp = time,
            Source = key.Address(sender),
            Destination = key.Address(receiver),
            SourcePort = key.Port(sender),
            DestinationPort = key.Port(receiver),
            Sequence = Sequence,
            Flags = Flags,
            Window = Window,
            Options = options,
            Checksum = Checksum,
            IpVersion = key.AddressA.IsIpv4 ? (byte)4 : (byte)6,
        };
    }
}

/// <summary>
/// The part of a connection the analysis reads and writes per segment: both endpoints' RFC tracks, Zeek's model of
/// it, its recorded transitions and its TIME_WAIT timer.
/// </summary>
internal struct ConnectionDetail
{
    public EndpointTrack A;
    public EndpointTrack B;

    public ZeekConnection Zeek;

    /// <summary>Where the 2MSL timer started, while the connection waits in the TIME_WAIT queue.</summary>
    public PacketTime TimeWaitAnchor;

    public int TransitionHead;
    public int TransitionTail;
    public ushort TransitionCount;

    /// <summary>Makes <paramref name="detail"/> a fresh connection's: both endpoints and Zeek's model initial, no transitions.</summary>
    /// <remarks>
    /// Cleared as bytes, not by <c>detail = default</c>: .NET 10's optimising JIT dropped that zeroing, taking the
    /// fields written next for the whole struct, so TimeWaitAnchor and TransitionCount kept the previous connection's
    /// values (seen in DetailPool.Rent's and SynReplay.Rebuild's code at full optimisation; unnoticed until parking
    /// returned details whose transitions were still counted). Always compiled fully optimised, so the tests run the
    /// code that shipped, not tier 0's, which never showed the fault.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Reset(ref ConnectionDetail detail)
    {
        MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref detail, 1)).Clear();
        detail.A = EndpointTrack.Initial;
        detail.B = EndpointTrack.Initial;
        detail.Zeek = ZeekConnection.Initial;
        detail.TransitionHead = detail.TransitionTail = -1;
    }

    [UnscopedRef]
    public ref EndpointTrack Endpoint(Side side)
    {
        if (side == Side.A) return ref A;
        return ref B;
    }

    [UnscopedRef]
    public readonly ref readonly EndpointTrack Get(Side side)
    {
        if (side == Side.A) return ref A;
        return ref B;
    }
}

/// <summary>The expiry queues: each holds connections in the order their timer started, all with one timeout.</summary>
internal enum ExpiryQueue : byte
{
    None,
    /// <summary>Still in the handshake: nothing established yet.</summary>
    Handshake,
    Active,
    TimeWait,
    /// <summary>Both sides closed; lingering briefly for late packets.</summary>
    Closed,
}

internal static class ExpiryQueues
{
    /// <summary>
    /// The queue of a connection with no endpoint in TIME_WAIT: Closed once both endpoints are CLOSED (or LISTEN) after
    /// something was sent and the originator is not still waiting on its SYN; before that Handshake until it reaches
    /// ESTABLISHED, then Active. One rule for the tracker and for <see cref="PackedConnection"/>, which keeps no queue of
    /// its own.
    /// </summary>
    public static ExpiryQueue Of(RfcState a, RfcState b, bool anySent, RfcState originatorState, bool reachedEstablished) =>
        a is RfcState.Closed or RfcState.Listen && b is RfcState.Closed or RfcState.Listen && anySent &&
        originatorState != RfcState.SynSent ? ExpiryQueue.Closed
        : reachedEstablished ? ExpiryQueue.Active
        : ExpiryQueue.Handshake;
}
