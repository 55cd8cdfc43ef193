using TcpState.Analysis.Anomalies;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>Measures the whole process's managed heap, so nothing else may run beside it.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>
/// Floods of distinct addresses, each the shape one detector keys its tables on, through a tracker with a small
/// connection table and every detector. Memory may grow until the caps are reached (the table's, the detectors',
/// the anomaly list's), then must stop: what the flood adds between two checkpoints well past every cap stays
/// within a few megabytes, however long it goes on.
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public class FloodMemoryTests
{
    private const int MaxConnections = 1_000;

    /// <summary>Past every cap: the detectors' tables (10,000 addresses), the anomalies (1,000 per kind), the table.</summary>
    private const int WarmUpConnections = 40_000;

    private const int MeasuredConnections = 80_000;

    /// <summary>
    /// What the flood may still add after the warm-up. The checkpoints both fall just after a detector table's purge
    /// (every 10,000 new addresses), so this only has to absorb noise; before the caps, these floods added 45 to 220 MB.
    /// </summary>
    private const long AllowedGrowthBytes = 12L * 1024 * 1024;

    /// <summary>The whole managed heap after the flood: the capped tables' worth, far below an unbounded flood's.</summary>
    private const long HeapBoundBytes = 64L * 1024 * 1024;

    public enum Flood
    {
        /// <summary>SYNs from spoofed sources to ever new listeners: syn-flood listeners and openings, port-scan sources.</summary>
        SynsToDistinctListeners,
        /// <summary>SYN answered by RST, each between a new pair of hosts: connection-refused destinations, port-scan sources.</summary>
        RefusedBetweenDistinctHosts,
        /// <summary>One source refused on ever new ports and hosts: one port-scan source's targets.</summary>
        RefusedFromOneSource,
        /// <summary>SYNs carrying data from new sources: one connection-level anomaly each.</summary>
        SynWithDataFromDistinctSources,
        /// <summary>Handshakes reset by ever new listeners: accept-queue-overflow listeners.</summary>
        HandshakesResetByDistinctListeners,
        /// <summary>Clients that never close after the server's FIN, each from a new address: close-wait-linger services.</summary>
        CloseWaitFromDistinctClients,
        /// <summary>
        /// SYNs whose checksum is wrong, from spoofed sources to ever new listeners: no receiver keeps them, and no detector
        /// may either (they never leave SYN_SENT, so nothing would take them out of syn-flood's half-open count).
        /// </summary>
        SynsWithBadChecksumsToDistinctListeners,
    }

    [Theory]
    [InlineData(Flood.SynsToDistinctListeners)]
    [InlineData(Flood.RefusedBetweenDistinctHosts)]
    [InlineData(Flood.RefusedFromOneSource)]
    [InlineData(Flood.SynWithDataFromDistinctSources)]
    [InlineData(Flood.HandshakesResetByDistinctListeners)]
    [InlineData(Flood.CloseWaitFromDistinctClients)]
    [InlineData(Flood.SynsWithBadChecksumsToDistinctListeners)]
    public void FloodOfDistinctAddresses_StopsGrowingMemoryOnceTheCapsAreReached(Flood flood)
    {
        var engine = new AnomalyEngine();
        var tracker = new ConnectionTracker(new AnalysisOptions { MaxConnections = MaxConnections }, new ConnectionStatistics());
        tracker.AddObserver(engine);

        Feed(tracker, flood, 0, WarmUpConnections);
        long afterWarmUp = GC.GetTotalMemory(forceFullCollection: true);
        Feed(tracker, flood, WarmUpConnections, WarmUpConnections + MeasuredConnections);
        long afterFlood = GC.GetTotalMemory(forceFullCollection: true);

        Assert.True(tracker.PeakConnections <= MaxConnections);
        Assert.True(engine.Anomalies.Count <= DetectorLimits.MaxListedPerKind * AnomalyCatalogue.All.Count);
        long growth = afterFlood - afterWarmUp;
        Assert.True(growth < AllowedGrowthBytes,
            $"{flood}: {MeasuredConnections:N0} more connections grew the heap by {growth:N0} bytes ({afterWarmUp:N0} → {afterFlood:N0})");
        Assert.True(afterFlood < HeapBoundBytes, $"{flood}: {afterFlood:N0} bytes on the heap after the flood");
        GC.KeepAlive(tracker);
        GC.KeepAlive(engine);
    }

    private static void Feed(ConnectionTracker tracker, Flood flood, int from, int to)
    {
        for (int i = from; i < to; i++)
            foreach (var segment in Connection(flood, i))
                tracker.Process(segment);
    }

    /// <summary>The segments of the flood's <paramref name="i"/>-th connection.</summary>
    private static IEnumerable<TcpSegment> Connection(Flood flood, int i)
    {
        // Ten microseconds apart: the whole flood fits in every detector's window. The close-wait flood needs a
        // connection to outlive the 60 s threshold before the table evicts it, so it goes slower.
        long start = 1_700_000_000L * PacketTime.NanosecondsPerSecond +
                     i * (flood == Flood.CloseWaitFromDistinctClients ? 100_000_000L : 10_000L);
        var distinct = IpAddress.FromIpv4(0x0A000000u + (uint)i);
        var fixedHost = IpAddress.FromIpv4(0xC0000201u);
        var (client, server, serverPort) = flood switch
        {
            Flood.SynsToDistinctListeners or Flood.HandshakesResetByDistinctListeners or Flood.SynsWithBadChecksumsToDistinctListeners => (IpAddress.FromIpv4(0xAC100000u + (uint)i), distinct, (ushort)80),
            Flood.RefusedBetweenDistinctHosts => (distinct, IpAddress.FromIpv4(0xAC100000u + (uint)i), (ushort)(1 + i % 1000)),
            Flood.RefusedFromOneSource => (fixedHost, distinct, (ushort)(1 + i % 65000)),
            _ => (distinct, fixedHost, (ushort)80),
        };
        const ushort ClientPort = 40000;
        const uint ClientIsn = 1000, ServerIsn = 5000;
        int step = 0;
        var checksum = flood == Flood.SynsWithBadChecksumsToDistinctListeners ? ChecksumStatus.Invalid : ChecksumStatus.Valid;
        TcpSegment Segment(bool fromClient, TcpFlags flags, uint sequence, uint acknowledgment, int payload = 0) => new()
        {
            Timestamp = new PacketTime(start + step++ * 1_000),
            Source = fromClient ? client : server,
            Destination = fromClient ? server : client,
            SourcePort = fromClient ? ClientPort : serverPort,
            DestinationPort = fromClient ? serverPort : ClientPort,
            Sequence = sequence,
            Acknowledgment = acknowledgment,
            Flags = flags,
            Window = 64240,
            PayloadLength = payload,
            CapturedPayloadLength = payload,
            Options = TcpOptions.None,
            IpVersion = 4,
            Checksum = checksum,
        };

        switch (flood)
        {
            case Flood.SynsToDistinctListeners or Flood.SynsWithBadChecksumsToDistinctListeners:
                yield return Segment(true, TcpFlags.Syn, ClientIsn, 0);
                break;
            case Flood.RefusedBetweenDistinctHosts or Flood.RefusedFromOneSource:
                yield return Segment(true, TcpFlags.Syn, ClientIsn, 0);
                yield return Segment(false, TcpFlags.Rst | TcpFlags.Ack, 0, ClientIsn + 1);
                break;
            case Flood.SynWithDataFromDistinctSources:
                yield return Segment(true, TcpFlags.Syn, ClientIsn, 0, payload: 100);
                break;
            case Flood.HandshakesResetByDistinctListeners:
                yield return Segment(true, TcpFlags.Syn, ClientIsn, 0);
                yield return Segment(false, TcpFlags.Syn | TcpFlags.Ack, ServerIsn, ClientIsn + 1);
                yield return Segment(true, TcpFlags.Ack, ClientIsn + 1, ServerIsn + 1);
                yield return Segment(false, TcpFlags.Rst, ServerIsn + 1, 0);
                break;
            case Flood.CloseWaitFromDistinctClients:
                yield return Segment(true, TcpFlags.Syn, ClientIsn, 0);
                yield return Segment(false, TcpFlags.Syn | TcpFlags.Ack, ServerIsn, ClientIsn + 1);
                yield return Segment(true, TcpFlags.Ack, ClientIsn + 1, ServerIsn + 1);
                yield return Segment(false, TcpFlags.Fin | TcpFlags.Ack, ServerIsn + 1, ClientIsn + 1);
                yield return Segment(true, TcpFlags.Ack, ClientIsn + 1, ServerIsn + 2);
                break;
        }
    }
}
