using System.Runtime.InteropServices;

namespace TcpState.Analysis.Zeek;

/// <summary>
/// One endpoint as Zeek's TCP analyzer tracks it: its coarse state, its sequence space (start, last, highest
/// acknowledgment received, with wrap counts), the last SYN/FIN/RST it sent for the history letters, the counters
/// behind the log-scaled letters, and the content-gap tracking that yields <c>g</c> and <c>missed_bytes</c>.
/// </summary>
/// <remarks>
/// Laid out by the runtime (largest fields first) rather than in declaration order, which padded the small fields to
/// 120 bytes instead of 104; it is held twice in every answered connection.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal struct ZeekEndpoint
{
    public ZeekEndpointState State;
    public ZeekEndpointState PreviousState;

    /// <summary>Initial sequence number; signed 64-bit because a partial connection starts it one below the first seen.</summary>
    public long StartSeq;
    /// <summary>One past the highest sequence number seen from this endpoint.</summary>
    public uint LastSeq;
    /// <summary>The highest acknowledgment the peer has sent for this endpoint's data.</summary>
    public uint AckSeq;
    public uint SeqWraps;
    public uint AckWraps;

    public ulong LastSynHistorySeq;
    public ulong LastFinHistorySeq;
    public ulong LastRstHistorySeq;

    /// <summary>Relative sequence number just past the FIN.</summary>
    public ulong FinSeq;
    public int FinCount;
    public int RstCount;

    public uint ChecksumErrors;
    public uint Retransmissions;
    public uint ZeroWindows;
    public uint Gaps;

    public bool DidClose;
    public bool HasDoneSomething;

    /// <summary>Relative sequence number up to which data has been delivered in order (Zeek's last_reassem_seq).</summary>
    public ulong Delivered;
    /// <summary>Relative sequence number below which data has been acknowledged and forgotten (Zeek's trim_seq).</summary>
    public ulong Trimmed;
    /// <summary>Head of this endpoint's out-of-order ranges in the shared <see cref="DataRangePool"/>; -1 when none.</summary>
    public int OutOfOrder;

    public static ZeekEndpoint Initial => new() { Delivered = 1, Trimmed = 1, OutOfOrder = -1 };

    public void SetState(ZeekEndpointState state)
    {
        if (state == State) return;
        PreviousState = State;
        State = state;
    }

    public readonly ulong ToFullSeqSpace(uint seq, uint wraps) => ((ulong)wraps << 32) + seq;

    public readonly ulong ToRelative(uint seq, uint wraps) => unchecked(ToFullSeqSpace(seq, wraps) - (ulong)StartSeq);

    public void UpdateLastSeq(uint seq)
    {
        if (seq < LastSeq) SeqWraps++;
        LastSeq = seq;
    }

    public void UpdateAckSeq(uint seq)
    {
        if (seq < AckSeq) AckWraps++;
        AckSeq = seq;
    }

    public void InitSequence(long start, uint last, uint ack)
    {
        StartSeq = start;
        LastSeq = last;
        AckSeq = ack;
    }

    /// <summary>Nothing of this endpoint's data acknowledged yet (the SYN's octet aside).</summary>
    public readonly bool NoDataAcked
    {
        get
        {
            ulong ack = ToFullSeqSpace(AckSeq, AckWraps);
            ulong start = (ulong)StartSeq;
            return ack == start || ack == start + 1;
        }
    }

    public readonly bool IsActive => State != ZeekEndpointState.Inactive && !DidClose;

    /// <summary>Established, or closed straight from established: where content gaps are trustworthy.</summary>
    public readonly bool IsClean =>
        State == ZeekEndpointState.Established ||
        (State == ZeekEndpointState.Closed && PreviousState == ZeekEndpointState.Established);
}
