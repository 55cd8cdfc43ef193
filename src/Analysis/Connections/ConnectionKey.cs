using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Connections;

/// <summary>
/// A connection's 4-tuple in canonical order: endpoint A is the smaller (address, port), so both directions of a
/// connection map to the same key without knowing yet who opened it.
/// </summary>
public readonly struct ConnectionKey : IEquatable<ConnectionKey>
{
    public readonly IpAddress AddressA;
    public readonly IpAddress AddressB;
    public readonly ushort PortA;
    public readonly ushort PortB;

    public ConnectionKey(IpAddress addressA, ushort portA, IpAddress addressB, ushort portB)
    {
        AddressA = addressA;
        PortA = portA;
        AddressB = addressB;
        PortB = portB;
    }

    /// <summary>The canonical key of a segment, and which side of it sent the segment.</summary>
    public static ConnectionKey FromSegment(in TcpSegment segment, out Side sender)
    {
        int order = segment.Source.CompareTo(segment.Destination);
        if (order == 0)
            order = segment.SourcePort.CompareTo(segment.DestinationPort);
        if (order <= 0)
        {
            sender = Side.A;
            return new ConnectionKey(segment.Source, segment.SourcePort, segment.Destination, segment.DestinationPort);
        }
        sender = Side.B;
        return new ConnectionKey(segment.Destination, segment.DestinationPort, segment.Source, segment.SourcePort);
    }

    public IpAddress Address(Side side) => side == Side.A ? AddressA : AddressB;

    public ushort Port(Side side) => side == Side.A ? PortA : PortB;

    public bool Equals(ConnectionKey other) =>
        AddressA.Low == other.AddressA.Low && AddressB.Low == other.AddressB.Low &&
        PortA == other.PortA && PortB == other.PortB &&
        AddressA.High == other.AddressA.High && AddressB.High == other.AddressB.High;

    public override bool Equals(object? obj) => obj is ConnectionKey other && Equals(other);

    public override int GetHashCode()
    {
        // A multiplicative mix is enough here and much cheaper than HashCode.Combine on the hot path;
        // the table is in-process only, so the hash need not resist deliberate collisions across runs.
        ulong h = AddressA.Low * 0x9E3779B97F4A7C15UL;
        h ^= AddressB.Low + 0x632BE59BD9B4E019UL + (h << 6) + (h >> 2);
        h ^= AddressA.High * 0xC2B2AE3D27D4EB4FUL + AddressB.High;
        h ^= ((ulong)PortA << 16 | PortB) * 0x165667B19E3779F9UL;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return (int)h;
    }

    public static bool operator ==(ConnectionKey left, ConnectionKey right) => left.Equals(right);
    public static bool operator !=(ConnectionKey left, ConnectionKey right) => !left.Equals(right);

    public override string ToString() => $"{Format(AddressA, PortA)} <-> {Format(AddressB, PortB)}";

    private static string Format(IpAddress address, ushort port) =>
        address.IsIpv4 ? $"{address}:{port}" : $"[{address}]:{port}";
}
