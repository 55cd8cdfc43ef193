using System.Runtime.CompilerServices;

namespace TcpState.Analysis;

/// <summary>
/// What the tracker worked out about one segment, in the light of what its sender had sent before it. Observers get
/// this with every segment so that detectors need not keep their own copy of each connection's sequence numbers.
/// </summary>
public readonly record struct SegmentFacts
{
    // One byte of bits, not eight bools: the tracker builds these for every segment, and eight separate byte stores
    // read back as one word stalled store forwarding on return. Classify was 3.1% of the tracking thread's samples on
    // the 5M-packet bench trace, two thirds of them on that return; built with Of, it is inlined and no longer shows.
    private readonly Fact _facts;

    [Flags]
    private enum Fact : byte
    {
        FromOriginator = 1 << 0,
        OpenedConnection = 1 << 1,
        BadChecksum = 1 << 2,
        RetransmittedSyn = 1 << 3,
        Retransmission = 1 << 4,
        KeepAlive = 1 << 5,
        ZeroWindow = 1 << 6,
        ZeroWindowProbe = 1 << 7,
    }

    private SegmentFacts(Fact facts) => _facts = facts;

    /// <summary>
    /// The tracker's way to build one: bits combined in a register. Set one by one through init accessors, as first
    /// tried, the value lived on the stack and each fact was a load and a store.
    /// </summary>
    internal static SegmentFacts Of(bool openedConnection, bool retransmittedSyn, bool retransmission, bool keepAlive,
        bool zeroWindow, bool zeroWindowProbe) =>
        new(If(openedConnection, Fact.OpenedConnection) | If(retransmittedSyn, Fact.RetransmittedSyn) |
            If(retransmission, Fact.Retransmission) | If(keepAlive, Fact.KeepAlive) | If(zeroWindow, Fact.ZeroWindow) |
            If(zeroWindowProbe, Fact.ZeroWindowProbe));

    /// <summary>The same facts, said of a segment from the given side and with the checksum verdict.</summary>
    internal SegmentFacts Seen(bool fromOriginator, bool badChecksum) =>
        new((_facts & ~(Fact.FromOriginator | Fact.BadChecksum)) | If(fromOriginator, Fact.FromOriginator) |
            If(badChecksum, Fact.BadChecksum));

    /// <summary>
    /// Facts to look for, not facts of one segment: a segment with any of them passes a detector's gate
    /// (<see cref="Anomalies.AnomalyDetector.HearsFacts"/>).
    /// </summary>
    internal static SegmentFacts AnyOf(bool retransmission = false, bool keepAlive = false, bool zeroWindow = false) =>
        Of(openedConnection: false, retransmittedSyn: false, retransmission, keepAlive, zeroWindow, zeroWindowProbe: false);

    /// <summary>True when this segment has at least one of the facts in <paramref name="wanted"/> (<see cref="AnyOf"/>).</summary>
    internal bool HasAnyOf(SegmentFacts wanted) => (_facts & wanted._facts) != 0;

    private static Fact If(bool condition, Fact fact) => (Fact)((byte)fact * Unsafe.BitCast<bool, byte>(condition));

    private bool Has(Fact fact) => (_facts & fact) != 0;

    /// <summary>The originator sent it.</summary>
    public bool FromOriginator => Has(Fact.FromOriginator);

    /// <summary>The segment created its connection.</summary>
    public bool OpenedConnection => Has(Fact.OpenedConnection);

    /// <summary>Its checksum was wrong: it moved no state.</summary>
    public bool BadChecksum => Has(Fact.BadChecksum);

    /// <summary>A SYN or SYN-ACK the sender had already sent (same ISN).</summary>
    public bool RetransmittedSyn => Has(Fact.RetransmittedSyn);

    /// <summary>Payload that does not go beyond what the sender had already sent.</summary>
    public bool Retransmission => Has(Fact.Retransmission);

    /// <summary>A keep-alive probe: sequence number one below what the sender sent next, at most one byte (RFC 9293 §3.8.4).</summary>
    public bool KeepAlive => Has(Fact.KeepAlive);

    /// <summary>The sender advertised a zero receive window.</summary>
    public bool ZeroWindow => Has(Fact.ZeroWindow);

    /// <summary>Payload sent while the receiver's last advertised window was zero (a zero-window probe).</summary>
    public bool ZeroWindowProbe => Has(Fact.ZeroWindowProbe);
}
