using System.Diagnostics.CodeAnalysis;
using TcpState.Analysis.Connections;
using TcpState.Capture;

namespace TcpState.Analysis.Zeek;

/// <summary>
/// The part of a connection that reproduces Zeek's conn.log view of it — <c>history</c>, <c>conn_state</c>,
/// sizes, <c>missed_bytes</c> — kept beside the RFC states because Zeek defines those fields on its own coarse
/// endpoint model (see <see cref="ZeekTcpModel"/>), not on RFC 9293's.
/// </summary>
internal struct ZeekConnection
{
    public ZeekEndpoint A;
    public ZeekEndpoint B;
    public ZeekHistory History;

    /// <summary>The connection was picked up without a clean SYN from the originator (Zeek's is_partial).</summary>
    public bool IsPartial;

    /// <summary>Bit 1: a packet from the originator was seen; bit 2: from the responder (by role, as Zeek keeps it).</summary>
    public byte FirstPacketSeen;

    /// <summary>Zeek's last_time: stops moving once both sides have closed, so a trailing ACK does not lengthen duration.</summary>
    public PacketTime LastTime;

    public ulong MissedBytes;

    public static ZeekConnection Initial => new() { A = ZeekEndpoint.Initial, B = ZeekEndpoint.Initial };

    [UnscopedRef]
    public ref ZeekEndpoint Endpoint(Side side)
    {
        if (side == Side.A) return ref A;
        return ref B;
    }

    [UnscopedRef]
    public readonly ref readonly ZeekEndpoint Get(Side side)
    {
        if (side == Side.A) return ref A;
        return ref B;
    }
}
