using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Anomalies.Detectors;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>
/// The detectors' once-a-second checks cost what comes due, not how many connections wait: a capture can hold many
/// connections in one state and tick its clock once a second for as long as it likes.
/// </summary>
public class DetectorWorkTests
{
    private const int Connections = 2_000;
    private const int ClockTicks = 200;

    [Fact]
    public void LingeringEndpoints_AreEachScannedOnceWhenDue_NotEverySecond()
    {
        var (engine, tracker) = Analyse(new DetectorSettings(), c =>
        {
            c.Client.Fin();
            c.Server.Ack(); // the client waits in FIN_WAIT_2, the server in CLOSE_WAIT, both for good
        });

        var finWait2 = engine.Detector<FinWait2TimeoutDetector>();
        var closeWait = engine.Detector<CloseWaitLingerDetector>();
        Assert.InRange(finWait2.EntriesScanned, Connections, 2 * Connections);
        Assert.InRange(closeWait.EntriesScanned, Connections, 2 * Connections);
        int reported = engine.Anomalies.Count(a => a.Id == AnomalyCatalogue.FinWait2Timeout);
        Assert.Equal(Connections, reported + engine.NotListed.GetValueOrDefault(AnomalyCatalogue.FinWait2Timeout));
        GC.KeepAlive(tracker);
    }

    [Fact]
    public void StalledReceivers_AreNotCheckedEverySecondWhileNotYetDue()
    {
        var (engine, _) = Analyse(new DetectorSettings { ZeroWindowStallSeconds = 10_000 }, c =>
        {
            c.Client.Data(100);
            c.Server.Raw(TcpFlags.Ack, c.Server.NextSeq, c.Client.NextSeq, window: 0); // and never opens it again
        });

        Assert.Equal(0, engine.Detector<ZeroWindowDetector>().StallsScanned);
        Assert.DoesNotContain(engine.Anomalies, a => a.Id == AnomalyCatalogue.ZeroWindow);
    }

    /// <summary>
    /// <see cref="Connections"/> handshakes, 10 ms apart, each followed by <paramref name="then"/>; then a SYN from
    /// elsewhere once a second for <see cref="ClockTicks"/> seconds; no end of input, so only the clock checks ran.
    /// </summary>
    private static (AnomalyEngine, ConnectionTracker) Analyse(DetectorSettings settings, Action<TcpConversation> then)
    {
        var engine = new AnomalyEngine(settings);
        var tracker = new ConnectionTracker(new AnalysisOptions(), new ConnectionStatistics());
        tracker.AddObserver(engine);
        const double Start = 1_700_000_000;
        for (int i = 0; i < Connections; i++)
        {
            var c = new TcpConversation(clientAddress: $"10.1.{i / 250}.{i % 250 + 1}", startSeconds: Start + i * 0.01);
            c.Client.Syn();
            c.Server.SynAck();
            c.Client.Ack();
            then(c);
            foreach (var segment in c.Segments)
                tracker.Process(segment);
        }
        for (int t = 1; t <= ClockTicks; t++)
        {
            var tick = new TcpConversation(clientAddress: "192.0.2.99", clientPort: (ushort)t, serverPort: 9,
                startSeconds: Start + Connections * 0.01 + t);
            tracker.Process(tick.Client.Syn());
        }
        return (engine, tracker);
    }
}
