
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// zero-window: a receiver advertised a zero window — its application stopped reading, the socket buffer filled — and
/// the sender stalled. Reported once a stall lasts past the threshold, with how long the sender was stalled in all and
/// how many zero-window probes it sent. The once-a-second check looks only at stalls that came due (a queue by due
/// time) and refreshes only listed anomalies, so its cost does not follow how many connections are stalled.
/// </summary>
internal sealed class ZeroWindowDetector(AnomalyEngine engine)
    : AnomalyDetector(engine, NoStates, SegmentFacts.AnyOf(zeroWindow: true))
{
    private sealed class Stall
    {
        public required ConnectionIdentity Connection;
        public required bool ReceiverIsOriginator;
        public long StartNs;
        public bool Open;
        public long StalledNs;
        public int Stalls, Probes;
        public Anomaly? Anomaly;
    }

    /// <summary>Stale queue entries (a stall that ended, or reopened with a later due time) allowed before a rebuild.</summary>
    private const int StaleEntriesSlack = 1024;

    private readonly Dictionary<(long, bool), Stall> _stalls = [];
    /// <summary>Open stalls not yet reported, by when they reach the threshold; stale entries are skipped.</summary>
    private readonly PriorityQueue<Stall, long> _byDue = new();
    /// <summary>Stalls whose anomaly is listed: refreshed every second while open (a live report shows them growing).</summary>
    private readonly List<Stall> _reported = [];
    private long _nextScanNs = long.MinValue;

    public override DetectorInterests Interests =>
        DetectorInterests.Segments | DetectorInterests.Finished | DetectorInterests.Clock;

    public override void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        long now = segment.Timestamp.UnixNanoseconds;
        if (facts.ZeroWindowProbe && _stalls.TryGetValue((connection.Id, !facts.FromOriginator), out var probed))
            probed.Probes++;
        if (segment.Has(TcpFlags.Rst) || segment.Has(TcpFlags.Syn))
            return;

        var key = (connection.Id, facts.FromOriginator);
        if (facts.ZeroWindow)
        {
            if (!_stalls.TryGetValue(key, out var stall))
            {
                _stalls.Add(key, stall = new Stall { Connection = connection.Identity, ReceiverIsOriginator = facts.FromOriginator });
                HearWindowsWhileStalled();
                Engine.WakeBy(WakeAtNs);
            }
            if (!stall.Open)
            {
                stall.Open = true;
                stall.StartNs = now;
                stall.Stalls++;
                if (stall.Anomaly is null)
                    QueueUntilDue(stall);
            }
        }
        else if (_stalls.Count > 0 && _stalls.TryGetValue(key, out var stall) && stall.Open)
        {
            stall.Open = false;
            stall.StalledNs += now - stall.StartNs;
            Check(stall, now);
            if (stall.Anomaly is null)
            {
                _stalls.Remove(key);
                HearWindowsWhileStalled();
            }
        }
    }

    /// <summary>
    /// While a stall is kept, any segment may reopen the window or probe it: all pass the gate, not only zero windows.
    /// </summary>
    private void HearWindowsWhileStalled() =>
        HearEverySegmentWhile(_stalls.Count > 0);

    public override long WakeAtNs => _stalls.Count == 0 ? long.MaxValue : _nextScanNs;

    public override void OnClock(PacketTime now)
    {
        if (now.UnixNanoseconds < _nextScanNs || _stalls.Count == 0)
            return;
        _nextScanNs = now.UnixNanoseconds + PacketTime.NanosecondsPerSecond;
        while (_byDue.TryPeek(out var stall, out long due) && due <= now.UnixNanoseconds)
        {
            _byDue.Dequeue();
            StallsScanned++;
            if (stall.Open && stall.Anomaly is null && DueAt(stall) == due)
                Check(stall, now.UnixNanoseconds);
        }
        foreach (var stall in _reported)
        {
            StallsScanned++;
            if (stall.Open)
                Check(stall, now.UnixNanoseconds);
        }
    }

    /// <summary>Stalls looked at by the once-a-second checks, for tests that bound the work.</summary>
    internal long StallsScanned { get; private set; }

    private long DueAt(Stall stall) => stall.StartNs + Nanoseconds(Settings.ZeroWindowStallSeconds) - stall.StalledNs;

    private void QueueUntilDue(Stall stall)
    {
        _byDue.Enqueue(stall, DueAt(stall));
        if (_byDue.Count <= 2 * _stalls.Count + StaleEntriesSlack)
            return;
        _byDue.Clear();
        foreach (var open in _stalls.Values)
            if (open.Open && open.Anomaly is null)
                _byDue.Enqueue(open, DueAt(open));
    }

    public override void OnFinished(in ConnectionView connection)
    {
        if (_stalls.Count == 0)
            return;
        foreach (var side in (ReadOnlySpan<bool>)[true, false])
        {
            if (!_stalls.Remove((connection.Id, side), out var stall))
                continue;
            HearWindowsWhileStalled();
            _reported.Remove(stall);
            if (stall.Open)
            {
                stall.Open = false;
                stall.StalledNs += connection.LastSeen.UnixNanoseconds - stall.StartNs;
            }
            Check(stall, connection.LastSeen.UnixNanoseconds);
        }
    }

    private void Check(Stall stall, long now)
    {
        long stalled = stall.StalledNs + (stall.Open ? now - stall.StartNs : 0);
        if (stall.Anomaly is null && stalled < Nanoseconds(Settings.ZeroWindowStallSeconds))
            return;
        string receiver = stall.ReceiverIsOriginator ? stall.Connection.Originator : stall.Connection.Responder;
        string sender = stall.ReceiverIsOriginator ? stall.Connection.Responder : stall.Connection.Originator;
        if (stall.Anomaly is null)
        {
            stall.Anomaly = Engine.GetOrCreate(AnomalyCatalogue.ZeroWindow, AnomalyLevel.Connection, stall.Connection.Uid, new PacketTime(stall.StartNs));
            stall.Anomaly.AddEvidence(stall.Connection.Uid);
            if (stall.Anomaly.Listed)
                _reported.Add(stall);
        }
        var anomaly = stall.Anomaly;
        if (!anomaly.Listed)
        {
            // Past the kind's listing limit: only counted, once; its figures and sentence would be read by nobody.
            Engine.Raise(anomaly);
            return;
        }
        double seconds = stalled / 1e9;
        anomaly.LastSeen = PacketTime.Max(anomaly.LastSeen, new PacketTime(now));
        anomaly.Count = stall.Stalls;
        anomaly.Details["receiver"] = receiver;
        anomaly.Details["stalled_seconds"] = Math.Round(seconds, 3);
        anomaly.Details["zero_window_probes"] = stall.Probes;
        anomaly.Details["still_stalled"] = stall.Open;
        if (seconds >= 10 * Settings.ZeroWindowStallSeconds) anomaly.Severity = AnomalySeverity.High;
        anomaly.Message = (
            $"{receiver} advertised a zero window {stall.Stalls} time(s), stalling {sender} for {seconds:0.###} s " +
            $"({stall.Probes} zero-window probes){(stall.Open ? ", still stalled" : "")}: the receiving application " +
            "is not reading fast enough (or stopped reading).");
        Engine.Raise(anomaly);
    }
}
