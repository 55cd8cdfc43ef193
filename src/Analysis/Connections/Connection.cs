using System.Diagnostics.CodeAnalysis;
using TcpState.Analysis.Zeek;
using TcpState.Capture;

namespace TcpState.Analysis.Connections;

/// <summary>
/// Everything tracked for one connection, as a struct in the connection table's slot array: no object per
/// connection, so creating and finishing connections in steady state allocates nothing.
/// </summary>
internal struct Connection
{
    public ConnectionKey Key;

    /// <summary>Which endpoint opened the connection (or is taken to have).</summary>
    public Side Originator;

    public bool InUse;

    /// <summary>Creation order, for stable output order.</summary>
    public long Ordinal;

    public PacketTime FirstSeen;
    public PacketTime LastSeen;

    public EndpointTrack A;
    public EndpointTrack B;

    public ZeekConnection Zeek;

    /// <summary>Packets each endpoint sent that moved the analysis (a bad checksum does not).</summary>
    public uint PacketsA;
    public uint PacketsB;

    public ConnectionFlags Flags;

    /// <summary>Some endpoint reached ESTABLISHED: the connection has left its handshake.</summary>
    public bool ReachedEstablished;

    public int TransitionHead;
    public int TransitionTail;
    public ushort TransitionCount;

    // Connection-table plumbing: hash chain and the expiry queue this connection waits in.
    public int NextInBucket;
    public int QueuePrevious;
    public int QueueNext;
    public ExpiryQueue Queue;
    public PacketTime QueueAnchor;

    [UnscopedRef]
    public ref EndpointTrack Endpoint(Side side)
    {
        if (side == Side.A) return ref A;
        return ref B;
    }

    public readonly EndpointTrack Get(Side side) => side == Side.A ? A : B;

    public readonly Side Responder => Originator.Other();
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
