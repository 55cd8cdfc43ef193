using BenchmarkDotNet.Attributes;
using TcpState.Analysis.Connections;
using TcpState.Bench.Generator;
using TcpState.Capture.Decoding;

namespace TcpState.Bench.Micro;

/// <summary>
/// The connection table (slots, chained hash index) at two sizes: 10,000 connections (fits in cache) and 1,000,000
/// (does not: what a flood or a big trace does to it). Per lookup, or per insert-and-remove.
/// </summary>
[MemoryDiagnoser]
public class ConnectionTableBenchmarks
{
    private const int Batch = 4096;
    private ConnectionTable _table = null!;
    private ConnectionKey[] _present = [];
    private ConnectionKey[] _absent = [];

    [Params(10_000, 1_000_000)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(11);
        _table = new ConnectionTable(Connections + Batch);
        var keys = new ConnectionKey[Connections];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = RandomKey(random);
            _table.Add(keys[i]);
        }
        // Lookups in random order, as packets of interleaved connections arrive.
        _present = new ConnectionKey[Batch];
        for (int i = 0; i < Batch; i++)
            _present[i] = keys[random.Next(keys.Length)];
        _absent = new ConnectionKey[Batch];
        for (int i = 0; i < Batch; i++)
            _absent[i] = RandomKey(random);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int FindExisting()
    {
        int found = 0;
        foreach (ref readonly var key in _present.AsSpan())
            found += _table.Find(key) >= 0 ? 1 : 0;
        return found;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int FindMissing()
    {
        int found = 0;
        foreach (ref readonly var key in _absent.AsSpan())
            found += _table.Find(key) >= 0 ? 1 : 0;
        return found;
    }

    /// <summary>A connection's whole stay in the table: insert (a SYN), later remove (it finished). Per pair.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void InsertThenRemove()
    {
        foreach (ref readonly var key in _absent.AsSpan())
            _table.Remove(_table.Add(key));
    }

    private static ConnectionKey RandomKey(SeededRandom random)
    {
        var client = IpAddress.FromIpv4(0x6440_0000u | (uint)random.Next(1 << 22));
        var server = IpAddress.FromIpv4(0x0A14_0000u | (uint)random.Next(400));
        ushort clientPort = (ushort)random.Between(32768, 60999);
        // Canonical order (the smaller address is A), as ConnectionKey.FromSegment makes it.
        return client.CompareTo(server) <= 0
            ? new ConnectionKey(client, clientPort, server, 443)
            : new ConnectionKey(server, 443, client, clientPort);
    }
}
