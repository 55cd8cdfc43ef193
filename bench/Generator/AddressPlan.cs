using TcpState.Capture.Decoding;

namespace TcpState.Bench.Generator;

/// <summary>
/// Who talks to whom: a server farm (IPv4 10.20.0.0/16, IPv6 2001:db8:20::/64) seen from its uplink, clients from
/// carrier-grade NAT space (100.64.0.0/10) and 2001:db8:1000::/48, a DNS resolver, and the ports services listen on.
/// Documentation and shared address space only: nothing here is anyone's real address.
/// </summary>
public static class AddressPlan
{
    public const int Servers = 400;
    public const ushort EphemeralFirst = 32768;
    public const ushort EphemeralLast = 60999;

    private const uint ServerBase = 0x0A14_0000;      // 10.20.0.0
    private const uint ClientBase = 0x6440_0000;      // 100.64.0.0
    private const int ClientAddressBits = 20;
    private const ulong Ipv6ServerHigh = 0x2001_0db8_0020_0000UL;
    private const ulong Ipv6ClientHigh = 0x2001_0db8_1000_0000UL;

    /// <summary>The resolver every DNS query goes to (10.20.255.53).</summary>
    public static readonly IpAddress Resolver = IpAddress.FromIpv4(0x0A14_FF35);

    /// <summary>The listener a SYN flood aims at (10.20.7.80:443), outside the farm so its verdict is the flood's alone.</summary>
    public static readonly IpAddress FloodTarget = IpAddress.FromIpv4(ServerBase | 7 << 8 | 80);
    public const ushort FloodTargetPort = 443;

    /// <summary>The IPv6 flood's listener ([2001:db8:20::780]:443), outside the farm's 2001:db8:20::1 to ::190.</summary>
    public static readonly IpAddress FloodTargetIpv6 = new(Ipv6ServerHigh, 0x780);

    /// <summary>An IPv6 flood's source: one per distinct IPv4 one, in 2001:db8:ff00::/40, outside the real clients' prefix.</summary>
    public static IpAddress SpoofedIpv6(IpAddress ipv4) => new(0x2001_0db8_ff00_0000UL, ipv4.Ipv4Value);

    /// <summary>
    /// Mostly HTTPS, as most traffic is now; no plain HTTP, whose random payload would be dissected as broken HTTP by
    /// tshark (the payload bytes are random, which TLS application data looks like).
    /// </summary>
    private static readonly (ushort Port, double Share)[] ServicePorts =
        [(443, 0.75), (22, 0.05), (5432, 0.05), (6379, 0.05), (25, 0.05), (993, 0.05)];

    /// <summary>Ports nothing listens on: SYNs to them are refused or dropped.</summary>
    private static readonly ushort[] ClosedPorts = [23, 135, 139, 445, 1433, 3389, 5900, 8443, 9200, 11211];

    /// <summary>A server, hot ones more often: the busiest takes 5% of the connections, the top 10% of servers a third.</summary>
    public static IpAddress Server(SeededRandom random, bool ipv6)
    {
        double u = random.NextDouble();
        int index = (int)(Servers * u * u);
        return ipv6 ? new IpAddress(Ipv6ServerHigh, (ulong)index + 1) : IpAddress.FromIpv4(ServerBase | (uint)(index / 250 << 8) | (uint)(index % 250 + 1));
    }

    public static IpAddress Client(SeededRandom random, bool ipv6) =>
        ipv6 ? new IpAddress(Ipv6ClientHigh, random.NextUInt64() | 1) : IpAddress.FromIpv4(ClientBase | (uint)random.Next(1 << ClientAddressBits));

    public static ushort ServicePort(SeededRandom random)
    {
        double u = random.NextDouble();
        foreach (var (port, share) in ServicePorts)
        {
            if (u < share) return port;
            u -= share;
        }
        return ServicePorts[0].Port;
    }

    public static ushort ClosedPort(SeededRandom random) => ClosedPorts[random.Next(ClosedPorts.Length)];

    public static ushort EphemeralPort(SeededRandom random) => (ushort)random.Between(EphemeralFirst, EphemeralLast);

    /// <summary>
    /// The <paramref name="index"/>-th client of a set of distinct 4-tuples (1M concurrent connections need no two
    /// alike): 16 ports per address from 100.64.0.0 on.
    /// </summary>
    public static (IpAddress Address, ushort Port) DistinctClient(long index) =>
        (IpAddress.FromIpv4(ClientBase + (uint)(index >> 4)), (ushort)(EphemeralFirst + (index & 15) * 1000 + (index >> 4) % 1000));
}
