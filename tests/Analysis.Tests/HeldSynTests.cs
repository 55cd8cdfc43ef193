using System.Runtime.CompilerServices;
using TcpState.Analysis.Connections;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>
/// A connection that is still only its originator's SYN is kept in the slot alone (the compact tier), so a spoofed
/// SYN flood costs a slot per source, not a full two-endpoint record. Output equivalence with the tier switched off
/// is checked over every recorded trace in the CLI tests.
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public class HeldSynTests
{
    /// <summary>A power of two, so the table's arrays are exactly full: the figure is the cost of a connection, not of slack.</summary>
    private const int Sources = 1 << 18;

    /// <summary>The bar for a tracked connection's managed memory: the slot, its share of the hash buckets.</summary>
    private const int BytesPerHeldConnection = 128;

    [Fact]
    public void Spoofed_syns_and_their_retransmissions_stay_held()
    {
        var tracker = new ConnectionTracker(new AnalysisOptions { MaxConnections = 10_000 }, new ConnectionStatistics());

        for (int i = 0; i < 5_000; i++)
        {
            tracker.Process(SpoofedSyn(i, retransmission: 0));
            tracker.Process(SpoofedSyn(i, retransmission: 1));
        }

        Assert.Equal(5_000, tracker.ActiveConnections);
        Assert.Equal(5_000, tracker.HeldConnections);
    }

    [Fact]
    public void An_answered_syn_leaves_the_compact_tier()
    {
        var tracker = new ConnectionTracker(new AnalysisOptions(), new ConnectionStatistics());
        var syn = SpoofedSyn(7, retransmission: 0);
        tracker.Process(syn);
        Assert.Equal(1, tracker.HeldConnections);

        var synAck = syn with
        {
            Source = syn.Destination, Destination = syn.Source,
            SourcePort = syn.DestinationPort, DestinationPort = syn.SourcePort,
            Flags = TcpFlags.Syn | TcpFlags.Ack, Sequence = 9_000, Acknowledgment = syn.Sequence + 1,
            Timestamp = syn.Timestamp.AddNanoseconds(1_000),
        };
        tracker.Process(synAck);

        Assert.Equal(1, tracker.ActiveConnections);
        Assert.Equal(0, tracker.HeldConnections);
    }

    [Fact]
    public void A_held_connection_costs_at_most_128_bytes()
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var tracker = new ConnectionTracker(new AnalysisOptions { MaxConnections = Sources }, new ConnectionStatistics());
        for (int i = 0; i < Sources; i++)
            tracker.Process(SpoofedSyn(i, retransmission: 0));
        long after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Equal(Sources, tracker.HeldConnections);
        long perConnection = Math.Max(0, after - before) / Sources;
        int slot = Unsafe.SizeOf<Connection>();
        Assert.True(slot + 2 * sizeof(int) <= BytesPerHeldConnection,
            $"a slot is {slot} bytes, plus {2 * sizeof(int)} of hash buckets");
        Assert.True(perConnection <= BytesPerHeldConnection, $"{perConnection} bytes per held connection");
        GC.KeepAlive(tracker);
    }

    private static TcpSegment SpoofedSyn(int source, int retransmission) => new()
    {
        Timestamp = new PacketTime(1_700_000_000L * PacketTime.NanosecondsPerSecond + source * 10_000L +
                                   retransmission * PacketTime.NanosecondsPerSecond),
        Source = IpAddress.FromIpv4(0x0A000000u + (uint)source),
        Destination = IpAddress.FromIpv4(0xC0000201u),
        SourcePort = (ushort)(1024 + source % 60_000),
        DestinationPort = 80,
        Sequence = (uint)source * 7919u,
        Flags = TcpFlags.Syn,
        Window = 64240,
        Options = TcpOptions.None,
        IpVersion = 4,
        Checksum = ChecksumStatus.Valid,
    };
}
