using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Zeek;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>
/// Every amount of memory the input controls has a bound, and what is dropped at the bound is counted or flagged:
/// the connection table, each connection's transitions, history and out-of-order ranges, each anomaly's evidence, the
/// anomaly list, the detectors' address tables and distinct-value sets.
/// </summary>
public class LimitTests
{
    private static readonly PacketTime Start = PacketTime.FromSeconds(1_700_000_000);

    [Fact]
    public void ConnectionTableAtItsCap_EvictsTheOldestHandshake_AndCountsEachEviction()
    {
        var statistics = new ConnectionStatistics();
        var tracker = new ConnectionTracker(new AnalysisOptions { MaxConnections = 100 }, statistics);
        for (int i = 0; i < 5_000; i++)
        {
            var flood = new TcpConversation(clientAddress: $"10.0.{i / 250}.{i % 250 + 1}", startSeconds: 1_700_000_000 + i * 0.001);
            tracker.Process(flood.Client.Syn());
        }
        tracker.Finish();

        Assert.Equal(100, tracker.PeakConnections);
        Assert.Equal(4_900, tracker.ConnectionsFinished(FinishReason.Evicted));
        Assert.Equal(100, tracker.ConnectionsFinished(FinishReason.EndOfInput));
        Assert.Equal(5_000, statistics.Connections);
    }

    [Fact]
    public void TransitionsPastTheLimit_AreDropped()
    {
        var log = new TransitionLog();
        var connection = new ConnectionDetail { TransitionHead = -1, TransitionTail = -1 };
        int refused = 0;
        for (int i = 0; i < TransitionLog.MaxPerConnection + 10; i++)
            refused += log.TryAppend(ref connection, Side.A, RfcState.Established, RfcState.CloseWait, Start.AddSeconds(i)) ? 0 : 1;

        Assert.Equal(TransitionLog.MaxPerConnection, connection.TransitionCount);
        Assert.Equal((TransitionLog.MaxPerConnection + TransitionLog.BlockSize - 1) / TransitionLog.BlockSize, log.BlocksInUse);
        int recorded = 0;
        foreach (var transition in log.Enumerate(connection))
            recorded += transition.To == RfcState.CloseWait ? 1 : 0;
        Assert.Equal(TransitionLog.MaxPerConnection, recorded);
        Assert.Equal(10, refused);
        log.Release(ref connection);
        Assert.Equal(0, log.BlocksInUse);
    }

    [Fact]
    public void HistoryPastItsCapacity_IsCut_AndMarkedTruncated()
    {
        var history = new ZeekHistory();
        for (int i = 0; i < ZeekHistory.Capacity + 20; i++)
            history.Add(i % 2 == 0 ? 'd' : 'D');

        Assert.Equal(ZeekHistory.Capacity, history.Length);
        Assert.True(history.Truncated);
    }

    [Fact]
    public void OutOfOrderRangesPastTheLimit_DropTheEarliest_PerEndpoint()
    {
        var pool = new DataRangePool();
        int head = -1;
        for (ulong i = 0; i < DataRangePool.MaxRangesPerEndpoint * 3; i++)
            pool.Insert(ref head, 100 * i + 10, 100 * i + 20);

        int count = 0;
        ulong first = 0;
        for (int node = head; node >= 0; node = pool.Next(node))
        {
            if (count++ == 0) first = pool.Start(node);
            Assert.True(count <= DataRangePool.MaxRangesPerEndpoint);
        }
        Assert.Equal(DataRangePool.MaxRangesPerEndpoint, count);
        Assert.Equal(DataRangePool.MaxRangesPerEndpoint, pool.NodesInUse);
        Assert.Equal(100UL * (DataRangePool.MaxRangesPerEndpoint * 2) + 10, first); // the latest ranges stay
    }

    /// <summary>
    /// Past the limit a connection is told from the kept ones by its uid's key instead of by writing its uid. The count
    /// must be what comparing the uids gives: a kept connection heard of again is not counted, any other is, each time.
    /// With an entry that is not a uid among the kept ones, the strings are compared as before.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EvidencePastTheLimit_CountsOnlyConnectionsNotKept(bool oneKeptIsNotAUid)
    {
        var engine = new AnomalyEngine();
        var anomaly = engine.GetOrCreate(AnomalyCatalogue.ConnectionRefused, AnomalyLevel.Host, "192.0.2.1:80", Start);
        if (oneKeptIsNotAUid)
            anomaly.AddEvidence("192.0.2.9");
        int kept = 0;
        while (anomaly.Evidence.Count < Anomaly.MaxEvidence)
            anomaly.AddEvidence(Refused(kept++));

        anomaly.AddEvidence(Refused(5));
        Assert.Equal(0, anomaly.EvidenceOmitted);
        anomaly.AddEvidence(Refused(kept));
        anomaly.AddEvidence(Refused(kept));
        anomaly.AddEvidence(Refused(kept + 1));
        Assert.Equal(3, anomaly.EvidenceOmitted);
        Assert.Equal(Refused(5).Uid, anomaly.Evidence[oneKeptIsNotAUid ? 6 : 5]);
    }

    [Fact]
    public void UidKey_ReadsBackFromTheUid_AndNothingElseReadsAsOne()
    {
        for (int i = 0; i < 1000; i++)
        {
            var connection = Refused(i * 7919);
            Assert.True(Records.ConnectionUid.TryKey(connection.Uid, out ulong key));
            Assert.Equal(connection.UidKey, key);
        }
        Assert.False(Records.ConnectionUid.TryKey("192.0.2.9", out _));
        Assert.False(Records.ConnectionUid.TryKey("Czzzzzzzzzzzzzzzzz", out _));
        string uid = Refused(1).Uid;
        Assert.False(Records.ConnectionUid.TryKey(uid[..^1] + (uid[^1] == '0' ? '1' : '0'), out _));
    }

    private static ConnectionIdentity Refused(int i) =>
        new(i, IpAddress.FromIpv4(0x0A000000u + (uint)i), (ushort)(1024 + i % 60000), IpAddress.FromIpv4(0xC0000201u), 80,
            Start.AddNanoseconds(i));

    [Fact]
    public void EvidencePastTheLimit_IsCountedNotListed()
    {
        var engine = new AnomalyEngine();
        var anomaly = engine.GetOrCreate(AnomalyCatalogue.PortScan, AnomalyLevel.Host, "192.0.2.1", Start);
        for (int i = 0; i < 100; i++)
            anomaly.AddEvidence($"C{i}");
        anomaly.AddEvidence("C0");

        Assert.Equal(Anomaly.MaxEvidence, anomaly.Evidence.Count);
        Assert.Equal(100 - Anomaly.MaxEvidence, anomaly.EvidenceOmitted);
    }

    [Fact]
    public void AnomaliesPastTheLimitPerKind_AreCountedNotListed_AndSinksHearOnlyTheListed()
    {
        var engine = new AnomalyEngine();
        var heard = new HeardAnomalies();
        engine.AddSink(heard);
        for (int i = 0; i < DetectorLimits.MaxListedPerKind + 500; i++)
        {
            var anomaly = engine.GetOrCreate(AnomalyCatalogue.SynWithData, AnomalyLevel.Connection, $"C{i}", Start);
            anomaly.Count++;
            engine.Raise(anomaly);
            engine.Raise(anomaly); // a second raise of the same one counts nothing
        }
        var other = engine.GetOrCreate(AnomalyCatalogue.PortScan, AnomalyLevel.Host, "192.0.2.1", Start);
        engine.Raise(other);

        Assert.Equal(DetectorLimits.MaxListedPerKind + 1, engine.Anomalies.Count);
        Assert.Equal(DetectorLimits.MaxListedPerKind + 1, heard.Count);
        Assert.Equal(500, engine.NotListed[AnomalyCatalogue.SynWithData]);
        Assert.False(engine.NotListed.ContainsKey(AnomalyCatalogue.PortScan));
        Assert.Same(engine.Anomalies[0], engine.GetOrCreate(AnomalyCatalogue.SynWithData, AnomalyLevel.Connection, "C0", Start));
    }

    private sealed class Entry : IForgettable
    {
        public bool MustStay;
        public int Value;
        public bool CanForget => !MustStay;

        public void Reset() => Value = 0;
    }

    private static readonly Func<int, Entry> NewEntry = _ => new Entry();

    [Fact]
    public void AddressTableWhenFull_ForgetsWhatItCanSpare_AndCountsIt()
    {
        var table = new AddressTable<int, Entry>();
        for (int i = 0; i < DetectorLimits.MaxTrackedKeys; i++)
            table.GetOrAdd(i, NewEntry, 0).MustStay = i % 10 == 0;

        table.GetOrAdd(-1, NewEntry, 0);

        Assert.Equal(DetectorLimits.MaxTrackedKeys / 10 + 1, table.Count);
        Assert.Equal(DetectorLimits.MaxTrackedKeys - DetectorLimits.MaxTrackedKeys / 10, table.Forgotten);
        Assert.True(table.TryGetValue(0, out _));
        Assert.False(table.TryGetValue(1, out _));
    }

    [Fact]
    public void AddressTable_GivesForgottenEntriesResetToNewKeys_InsteadOfMakingNewOnes()
    {
        var table = new AddressTable<int, Entry>();
        var made = new HashSet<Entry>(ReferenceEqualityComparer.Instance);
        Func<int, Entry> counted = _ =>
        {
            var entry = new Entry();
            made.Add(entry);
            return entry;
        };
        for (int i = 0; i < DetectorLimits.MaxTrackedKeys; i++)
            table.GetOrAdd(i, counted, 0).Value = i + 1;
        var first = table[5];

        // The purge forgets all 10,000; the next 10,000 new keys reuse them, each reset.
        for (int i = 0; i < DetectorLimits.MaxTrackedKeys; i++)
        {
            var entry = table.GetOrAdd(-1 - i, counted, 0);
            Assert.Equal(0, entry.Value);
            entry.Value = 1;
        }

        Assert.Equal(DetectorLimits.MaxTrackedKeys, made.Count);
        Assert.Equal(DetectorLimits.MaxTrackedKeys, table.Count);
        Assert.Equal(DetectorLimits.MaxTrackedKeys, table.Forgotten);
        Assert.False(table.TryGetValue(5, out _));
        Assert.Contains(table.Entries, entry => ReferenceEquals(entry.Value, first));
    }

    [Fact]
    public void AddressTableFullOfWhatMustStay_PurgesAgainOnlyOnceItDoubled()
    {
        var table = new AddressTable<int, Entry>();
        int keys = 5 * DetectorLimits.MaxTrackedKeys;
        for (int i = 0; i < keys; i++)
            table.GetOrAdd(i, NewEntry, 0).MustStay = true;

        Assert.Equal(keys, table.Count);
        Assert.Equal(0, table.Forgotten);
        Assert.Equal(3, table.Purges); // at 10,000, 20,000 and 40,000 entries: not once per new key
    }

    [Fact]
    public void BoundedSets_StopAtTheirOwnCapAndAtTheDetectorsBudget()
    {
        var budget = new SetBudget();
        var small = new BoundedSet<int>(3, budget);
        for (int i = 0; i < 10; i++)
            small.Add(i % 5);
        Assert.Equal(3, small.Count);
        Assert.True(small.Capped);

        var large = new BoundedSet<int>(int.MaxValue, budget);
        for (int i = 0; i < DetectorLimits.MaxDistinctValues + 100; i++)
            large.Add(i);
        Assert.Equal(DetectorLimits.MaxDistinctValues - 3, large.Count);
        Assert.True(large.Capped);

        small.Release();
        Assert.Equal(0, small.Count);
        var after = new BoundedSet<int>(10, budget);
        for (int i = 0; i < 10; i++)
            after.Add(i);
        Assert.Equal(3, after.Count); // what the released set gave back
    }

    private sealed class HeardAnomalies : IAnomalySink
    {
        public int Count { get; private set; }

        public void OnRaised(Anomaly anomaly) => Count++;
    }
}
