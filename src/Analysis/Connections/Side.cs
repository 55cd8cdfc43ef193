namespace TcpState.Analysis.Connections;

/// <summary>
/// One of a connection's two endpoints, named by its place in the canonical key (<see cref="ConnectionKey"/>),
/// not by its role: which side is the originator can change (Zeek's role flip) without moving any state.
/// </summary>
public enum Side : byte
{
    A = 0,
    B = 1,
}

public static class SideExtensions
{
    public static Side Other(this Side side) => side == Side.A ? Side.B : Side.A;
}
