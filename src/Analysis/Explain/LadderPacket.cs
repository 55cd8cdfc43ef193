using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Explain;

/// <summary>Which column of the ladder: the connection's originator (left) or its responder (right).</summary>
public enum LadderSide : byte
{
    Originator,
    Responder,
}

/// <summary>One packet of an explained connection as it was on the wire, with what the tracker made of it.</summary>
public readonly record struct LadderPacket
{
    /// <summary>Position in the connection, from 0.</summary>
    public int Index { get; init; }
    public PacketTime Time { get; init; }
    public bool FromOriginator { get; init; }
    public TcpFlags Flags { get; init; }
    public uint Sequence { get; init; }
    public uint Acknowledgment { get; init; }
    /// <summary>Payload length from the IP lengths: what was sent, even when the capture kept less.</summary>
    public int PayloadLength { get; init; }
    /// <summary>The raw, unscaled window field.</summary>
    public ushort Window { get; init; }
    /// <summary>The sender's window scale shift in force after this packet, -1 while unknown (no handshake seen).</summary>
    public int WindowShift { get; init; }
    public TcpOptions Options { get; init; }
    public SegmentFacts Facts { get; init; }

    public LadderSide Sender => FromOriginator ? LadderSide.Originator : LadderSide.Responder;

    public bool Has(TcpFlags flag) => (Flags & flag) == flag;

    /// <summary>
    /// The advertised window in bytes. A SYN's window is never scaled (RFC 7323 §2.2); otherwise the raw field is
    /// shifted by the scale agreed in the handshake. Null when the scale is unknown.
    /// </summary>
    public ulong? WindowBytes => Has(TcpFlags.Syn) ? Window : WindowShift < 0 ? null : (ulong)Window << WindowShift;
}
