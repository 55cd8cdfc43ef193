using TcpState.Analysis.Anomalies;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>
/// Anomalies keep coming for as long as traffic runs; once their kind's listing is full they are only counted, and
/// counting them must cost no allocation when the detectors' tables have grown to the traffic.
/// </summary>
public class DetectorAllocationTests
{
    private const int ServicesPerRound = 12_000;

    [Fact]
    public void LingeringServicesPastTheListingLimit_AreCountedWithoutAllocating()
    {
        // Three rounds, an hour apart (each round's connections are written out before the next), of 12,000 services
        // with two connections each whose server stays in CLOSE_WAIT. Each lingering connection and each service's
        // roll-up is a close-wait-linger anomaly, so the first round fills the kind's listing; 12,000 services are
        // more than the detector's service table keeps (10,000), so each round's new services take the entries of
        // services it forgot. The third round is measured, the first two grew the tables.
        var rounds = Enumerable.Range(0, 3).Select(Round).ToArray();
        var engine = new AnomalyEngine();
        var tracker = new ConnectionTracker(new AnalysisOptions(), new ConnectionStatistics());
        tracker.AddObserver(engine);
        foreach (var segment in rounds[0].Concat(rounds[1]))
            tracker.Process(segment);
        long notListedBefore = engine.NotListed[AnomalyCatalogue.CloseWaitLinger];

        var measured = rounds[2];
        var allocatedPerHalf = new long[2];
        int index = 0;
        for (int half = 0; half < 2; half++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int end = half == 0 ? measured.Length / 2 : measured.Length; index < end; index++)
                tracker.Process(measured[index]);
            allocatedPerHalf[half] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // Every connection of the round and every service's roll-up was counted.
        Assert.Equal(3 * ServicesPerRound, engine.NotListed[AnomalyCatalogue.CloseWaitLinger] - notListedBefore);
        Assert.Equal(DetectorLimits.MaxListedPerKind, engine.Anomalies.Count(a => a.Id == AnomalyCatalogue.CloseWaitLinger));
        // Both halves: a per-anomaly allocation shows in both, the runtime's occasional few bytes in one at most.
        Assert.True(allocatedPerHalf.Min() == 0, $"bytes allocated per half of the round: {string.Join(", ", allocatedPerHalf)}");
    }

    /// <summary>
    /// A flood of SYNs carrying data, each from a new source: one syn-with-data anomaly per connection, so past the
    /// first 1,000 each is only counted. With the connection table at its cap, counting them allocates nothing; building
    /// an anomaly nobody reads for each cost 256 bytes per packet.
    /// </summary>
    [Fact]
    public void SynsWithDataPastTheListingLimit_AreCountedWithoutAllocating() =>
        ThirdRoundIsCountedWithoutAllocating(AnomalyCatalogue.SynWithData, 6_000, i => [SynWithData(i)]);

    /// <summary>
    /// A client cycling through its ports fast enough to come back within 2MSL: each connection closes, and a new SYN
    /// reuses its 4-tuple while the client holds it in TIME_WAIT, one port-reuse-time-wait anomaly each.
    /// </summary>
    [Fact]
    public void PortReusesPastTheListingLimit_AreCountedWithoutAllocating() =>
        ThirdRoundIsCountedWithoutAllocating(AnomalyCatalogue.PortReuseTimeWait, 3_000, ClosedThenReused);

    /// <summary>
    /// Three rounds of <paramref name="perRound"/> occurrences of one connection-level anomaly, each occurrence the
    /// same number of segments, through every detector and a table capped at 2,000: the first two fill the kind's
    /// listing and grow the tables, and the third, measured in two halves, must be counted in full and allocate nothing.
    /// </summary>
    private static void ThirdRoundIsCountedWithoutAllocating(string kind, int perRound, Func<int, IEnumerable<TcpSegment>> occurrence)
    {
        var segments = Enumerable.Range(0, 3 * perRound).SelectMany(occurrence).ToArray();
        int perOccurrence = segments.Length / (3 * perRound);
        var engine = new AnomalyEngine();
        var tracker = new ConnectionTracker(new AnalysisOptions { MaxConnections = 2_000 }, new ConnectionStatistics());
        tracker.AddObserver(engine);
        int index = 0;
        for (; index < 2 * perRound * perOccurrence; index++)
            tracker.Process(segments[index]);
        long notListedBefore = engine.NotListed[kind];

        var allocatedPerHalf = new long[2];
        for (int half = 0; half < 2; half++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int end = index + perRound / 2 * perOccurrence; index < end; index++)
                tracker.Process(segments[index]);
            allocatedPerHalf[half] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(perRound, engine.NotListed[kind] - notListedBefore);
        Assert.Equal(DetectorLimits.MaxListedPerKind, engine.Anomalies.Count(a => a.Id == kind));
        Assert.True(allocatedPerHalf.Min() == 0, $"bytes allocated per half of the round: {string.Join(", ", allocatedPerHalf)}");
    }

    private static IEnumerable<TcpSegment> ClosedThenReused(int i)
    {
        var conversation = new TcpConversation(clientAddress: "172.16.0.1", clientPort: (ushort)(1024 + i % 60000),
            clientIsn: (uint)(i * 7919), serverIsn: (uint)(i * 104729), startSeconds: 1_700_000_000 + i * 0.01);
        var (client, server) = (conversation.Client, conversation.Server);
        client.Syn();
        server.SynAck();
        client.Ack();
        client.Fin();
        server.Fin();
        client.Ack(); // the client holds the 4-tuple in TIME_WAIT
        client.Reopen(client.NextSeq + 100_000);
        client.Syn();
        return conversation.Segments;
    }

    /// <summary>
    /// Keep-alive probes that nobody answers, on 3,000 idle connections: each becomes a keepalive-dead-peer anomaly at
    /// its second probe, and past the first 1,000 those are only counted. The probes that follow on those must not
    /// rewrite the figures of anomalies nobody reads (624 bytes a probe, before).
    /// </summary>
    [Fact]
    public void ProbesOnDeadPeersPastTheListingLimit_AllocateNothing()
    {
        const int Connections = 3_000;
        var conversations = Enumerable.Range(0, Connections).Select(i => new TcpConversation(clientAddress: "172.16.0.1",
            clientPort: (ushort)(10_000 + i), clientIsn: (uint)(i * 7919), serverIsn: (uint)(i * 104729),
            startSeconds: 1_700_000_000 + i * 0.001)).ToArray();
        var opened = new List<TcpSegment>();
        var probes = new List<TcpSegment>[4];
        foreach (var conversation in conversations)
        {
            conversation.Client.Syn();
            conversation.Server.SynAck();
            conversation.Client.Ack();
            opened.AddRange(conversation.Segments);
        }
        for (int round = 0; round < probes.Length; round++)
        {
            probes[round] = [];
            foreach (var conversation in conversations)
            {
                conversation.Wait(10);
                var client = conversation.Client;
                probes[round].Add(client.Raw(TcpFlags.Ack, client.NextSeq - 1, client.AckNumber));
            }
        }
        var engine = new AnomalyEngine();
        var tracker = new ConnectionTracker(new AnalysisOptions(), new ConnectionStatistics());
        tracker.AddObserver(engine);
        foreach (var segment in opened.Concat(probes[0]).Concat(probes[1]).OrderBy(s => s.Timestamp))
            tracker.Process(segment);

        var allocated = new long[2];
        for (int round = 2; round < 4; round++)
        {
            // The connections whose anomaly is only counted: the first 1,000 reached their second probe first.
            var measured = probes[round].Skip(DetectorLimits.MaxListedPerKind).OrderBy(s => s.Timestamp).ToArray();
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var segment in measured)
                tracker.Process(segment);
            allocated[round - 2] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(Connections - DetectorLimits.MaxListedPerKind, engine.NotListed[AnomalyCatalogue.KeepaliveDeadPeer]);
        Assert.True(allocated.Min() == 0, $"bytes allocated per round of probes: {string.Join(", ", allocated)}");
    }

    private static TcpSegment SynWithData(int i)
    {
        var conversation = new TcpConversation(clientAddress: $"10.{i / 62500}.{i / 250 % 250}.{i % 250 + 1}",
            clientPort: (ushort)(1024 + i % 60000), clientIsn: (uint)(i * 7919), startSeconds: 1_700_000_000 + i * 0.0001);
        return conversation.Client.Syn(payload: 20);
    }

    /// <summary>
    /// The round's connections, one every 10 ms, in time order, then a packet two minutes after the last that moves the
    /// clock past the 60-second threshold. Over the round's four minutes the earlier connections pass the threshold
    /// while later ones arrive, so both halves of the round report.
    /// </summary>
    private static TcpSegment[] Round(int round)
    {
        double start = 1_700_000_000 + round * 3600;
        var segments = new List<TcpSegment>(ServicesPerRound * 2 * 5 + 1);
        for (int i = 0; i < ServicesPerRound * 2; i++)
        {
            int service = i / 2;
            var conversation = new TcpConversation(
                clientAddress: "172.16.0.1", clientPort: (ushort)(20000 + i),
                serverAddress: $"10.{round + 1}.{service / 250}.{service % 250 + 1}", serverPort: 80,
                clientIsn: (uint)(i * 7919), serverIsn: (uint)(i * 104729), startSeconds: start + i * 0.01);
            conversation.Client.Syn();
            conversation.Server.SynAck();
            conversation.Client.Ack();
            conversation.Client.Fin();
            conversation.Server.Ack(); // and the server's application never closes
            segments.AddRange(conversation.Segments);
        }
        var tick = new TcpConversation(clientAddress: "192.0.2.99", clientPort: 9, serverPort: 9, startSeconds: start + ServicesPerRound * 2 * 0.01 + 120);
        segments.Add(tick.Client.Syn());
        return segments.OrderBy(s => s.Timestamp).ToArray();
    }
}
