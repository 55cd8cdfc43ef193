using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Live;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests.Live;

/// <summary>The live census: per-state counts on each side, listeners, TIME_WAIT per host, lingering endpoints, rates, alerts.</summary>
public class ConnectionCensusTests
{
    private readonly ConnectionCensus _census = new();
    private readonly ConnectionTracker _tracker;

    public ConnectionCensusTests()
    {
        _tracker = new ConnectionTracker(new AnalysisOptions(), new ConnectionStatistics());
        _tracker.AddObserver(_census);
    }

    private void Feed(TcpSegment segment) => _tracker.Process(segment);

    [Fact]
    public void EachSidesState_IsCountedAsTheHandshakeAndTeardownMove()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        var server = conversation.Server;

        Feed(client.Syn());
        Assert.Equal(1, _census.OriginatorsIn(RfcState.SynSent));
        Assert.Equal(1, _census.RespondersIn(RfcState.Closed));

        Feed(server.SynAck());
        Assert.Equal(1, _census.RespondersIn(RfcState.SynReceived));
        var listener = Assert.Single(_census.TakeSnapshot(_tracker.Clock).Listeners);
        Assert.Equal("10.0.0.2:80", listener.Endpoint.ToString());
        Assert.Equal(1, listener[RfcState.SynReceived]);

        Feed(client.Ack());
        Assert.Equal(1, _census.OriginatorsIn(RfcState.Established));
        Assert.Equal(1, _census.RespondersIn(RfcState.Established));
        Assert.Equal(0, _census.RespondersIn(RfcState.SynReceived));

        Feed(client.Fin());
        Feed(server.Ack());
        var halfClosed = _census.TakeSnapshot(_tracker.Clock);
        Assert.Equal(1, halfClosed.Originators(RfcState.FinWait2));
        Assert.Equal(1, halfClosed.Responders(RfcState.CloseWait));

        Feed(server.Fin());
        Feed(client.Ack());
        var closed = _census.TakeSnapshot(_tracker.Clock);
        Assert.Equal(1, closed.Originators(RfcState.TimeWait));
        Assert.Equal(1, closed.Responders(RfcState.Closed));
        Assert.Equal(1, closed.TimeWait);
        Assert.Equal(new HostCount(IpAddress.Parse("10.0.0.1"), 1), Assert.Single(closed.TimeWaitByHost));
        Assert.Equal(0, closed.CloseWait);
        Assert.Equal(0, closed.FinWait2);
        Assert.Equal(1, closed.Connections);
    }

    [Fact]
    public void FinishedConnections_LeaveNoTrace()
    {
        var conversation = new TcpConversation();
        Feed(conversation.Client.Syn());
        Feed(conversation.Server.SynAck());
        Feed(conversation.Client.Ack());
        _tracker.Finish();

        var snapshot = _census.TakeSnapshot(_tracker.Clock);
        Assert.Equal(0, snapshot.Connections);
        Assert.All(snapshot.OriginatorStates, count => Assert.Equal(0, count));
        Assert.All(snapshot.ResponderStates, count => Assert.Equal(0, count));
        Assert.Empty(snapshot.Listeners);
    }

    [Fact]
    public void TimeWaitExpiry_OnTheClock_TakesTheHostOffTheList()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        var server = conversation.Server;
        foreach (var segment in new[] { client.Syn(), server.SynAck(), client.Ack(), client.Fin(), server.Fin(), client.Ack() })
            Feed(segment);
        Assert.Equal(1, _census.TakeSnapshot(_tracker.Clock).TimeWait);

        _tracker.AdvanceTime(_tracker.Clock.AddSeconds(61));

        var snapshot = _census.TakeSnapshot(_tracker.Clock);
        Assert.Equal(0, snapshot.TimeWait);
        Assert.Empty(snapshot.TimeWaitByHost);
    }

    [Fact]
    public void CloseWaitAndFinWait2_AreListedOldestFirstWithTheirAge()
    {
        var first = new TcpConversation(clientPort: 40001, startSeconds: 1_700_000_000);
        var second = new TcpConversation(clientPort: 40002, startSeconds: 1_700_000_010);
        foreach (var conversation in new[] { first, second })
        {
            var client = conversation.Client;
            var server = conversation.Server;
            foreach (var segment in new[] { client.Syn(), server.SynAck(), client.Ack(), client.Fin(), server.Ack() })
                Feed(segment);
        }

        var snapshot = _census.TakeSnapshot(_tracker.Clock.AddSeconds(20));

        Assert.Equal(2, snapshot.CloseWait);
        Assert.Equal([40001, 40002], snapshot.OldestCloseWait.Select(e => (int)e.Peer.Port));
        Assert.All(snapshot.OldestCloseWait, e => Assert.Equal("10.0.0.2:80", e.Local.ToString()));
        Assert.Equal(2, snapshot.FinWait2);
        Assert.Equal([40001, 40002], snapshot.OldestFinWait2.Select(e => (int)e.Local.Port));
        var oldest = snapshot.OldestCloseWait[0];
        Assert.InRange(oldest.AgeSeconds, 29.9, 30.1);
        Assert.False(oldest.IsOriginator);
    }

    [Fact]
    public void SynFlood_ShowsAsSynRcvdPerListener_AndAsRates()
    {
        var start = PacketTime.FromSeconds(1_700_000_000);
        _tracker.AdvanceTime(start);
        _census.TakeSnapshot(start);
        for (int i = 0; i < 50; i++)
        {
            var conversation = new TcpConversation(clientAddress: $"10.9.0.{i}", clientPort: (ushort)(30000 + i),
                serverAddress: "10.0.0.80", serverPort: 443, startSeconds: 1_700_000_000 + i * 0.01);
            Feed(conversation.Client.Syn());
            Feed(conversation.Server.SynAck());
        }
        var quiet = new TcpConversation(serverPort: 22, startSeconds: 1_700_000_000.2);
        Feed(quiet.Client.Syn());
        Feed(quiet.Server.SynAck());
        Feed(quiet.Client.Ack());

        var snapshot = _census.TakeSnapshot(start.AddSeconds(1));

        Assert.Equal("10.0.0.80:443", snapshot.Listeners[0].Endpoint.ToString());
        Assert.Equal(50, snapshot.Listeners[0][RfcState.SynReceived]);
        Assert.Equal(1, snapshot.Listeners[1][RfcState.Established]);
        Assert.Equal(51, snapshot.Rates.Syn, precision: 6);
        Assert.Equal(51, snapshot.Rates.SynAck, precision: 6);
        Assert.Equal(103, snapshot.Totals.Segments);
        Assert.Equal(1, snapshot.IntervalSeconds, precision: 6);
    }

    [Fact]
    public void RaisedAnomalies_AppearNewestFirstWithTheirLatestFigures()
    {
        var first = Raise("syn-flood", "10.0.0.80:443");
        Raise("port-scan", "10.9.0.1");
        first.Count = 500;

        var alerts = _census.TakeSnapshot(_tracker.Clock).RecentAlerts;

        Assert.Equal(["port-scan", "syn-flood"], alerts.Select(a => a.Id));
        Assert.Equal(500, alerts[1].Count);
        Assert.Equal(2, _census.TakeSnapshot(_tracker.Clock).AlertsRaised);
    }

    [Fact]
    public void AlertFeed_KeepsOnlyTheLatest()
    {
        var census = new ConnectionCensus(alertCapacity: 3);
        for (int i = 0; i < 5; i++)
            census.OnRaised(NewAnomaly($"kind-{i}", "x"));

        var snapshot = census.TakeSnapshot(PacketTime.Zero);

        Assert.Equal(["kind-4", "kind-3", "kind-2"], snapshot.RecentAlerts.Select(a => a.Id));
        Assert.Equal(5, snapshot.AlertsRaised);
    }

    [Fact]
    public void Snapshot_IsNotChangedByLaterTraffic()
    {
        var conversation = new TcpConversation();
        Feed(conversation.Client.Syn());
        var before = _census.TakeSnapshot(_tracker.Clock);

        Feed(conversation.Server.SynAck());
        Feed(conversation.Client.Ack());

        Assert.Equal(1, before.Originators(RfcState.SynSent));
        Assert.Equal(0, before.Originators(RfcState.Established));
    }

    private Anomaly Raise(string id, string subject)
    {
        var anomaly = NewAnomaly(id, subject);
        _census.OnRaised(anomaly);
        return anomaly;
    }

    private static Anomaly NewAnomaly(string id, string subject) => new()
    {
        Id = id,
        Level = AnomalyLevel.Host,
        Severity = AnomalySeverity.High,
        Subject = subject,
        FirstSeen = PacketTime.FromSeconds(1_700_000_000),
        Count = 1,
        Message = $"{id} at {subject}",
    };
}
