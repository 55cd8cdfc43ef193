namespace TcpState.Analysis.Zeek;

/// <summary>
/// Ports on which the side that listens is very likely a server: used to orient a connection picked up without a
/// SYN, the way Zeek's <c>likely_server_ports</c> does. Zeek builds its list from the analyzers it has loaded; this
/// is the set of well-known service ports those analyzers register, plus the common ones of today's services.
/// </summary>
internal static class LikelyServerPorts
{
    private static readonly bool[] Ports = Build();

    public static bool Contains(ushort port) => Ports[port];

    private static bool[] Build()
    {
        var ports = new bool[65536];
        ReadOnlySpan<ushort> list =
        [
            20, 21, 22, 23, 25, 42, 43, 53, 69, 79, 80, 81, 88, 102, 110, 111, 113, 119, 135, 137, 139, 143, 161, 179,
            389, 443, 445, 465, 502, 512, 513, 514, 515, 543, 544, 554, 563, 585, 587, 593, 614, 631, 636, 646, 873,
            989, 990, 992, 993, 994, 995, 1080, 1194, 1433, 1434, 1521, 1723, 1812, 1883, 2049, 2181, 2379, 2404, 2811,
            3128, 3268, 3269, 3306, 3389, 4369, 5060, 5061, 5222, 5223, 5269, 5353, 5432, 5671, 5672, 5900, 5938,
            6379, 6443, 6660, 6661, 6662, 6663, 6664, 6665, 6666, 6667, 6668, 6669, 6697, 7000, 7001, 8000, 8008, 8080,
            8081, 8443, 8883, 8888, 9042, 9092, 9200, 9300, 9418, 11211, 20000, 27017, 44818, 47808,
        ];
        foreach (var port in list)
            ports[port] = true;
        return ports;
    }
}
