using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TcpState.Analysis.Anomalies;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Live;

/// <summary>
/// A netstat for the wire, kept up to date as the tracker works: how many tracked connections sit in each RFC state on
/// each side, per responder endpoint (how many SYN_RCVD per listener), TIME_WAIT per host, which endpoints have
/// lingered longest in CLOSE_WAIT and FIN_WAIT_2, SYN / SYN-ACK / RST / FIN rates, and the latest anomalies.
/// </summary>
/// <remarks>
/// Counts move on transitions and finished connections, not by scanning the table, so the census costs a few counter
/// increments per segment and a few dictionary updates per transition, and allocates nothing once its tables have grown.
/// Each connection's contribution is remembered, and a transition replaces it with what the connection shows now: the
/// counts always equal the sum over tracked connections, even when Zeek's model swaps originator and responder
/// mid-connection. Everything runs on the analysis thread; <see cref="TakeSnapshot"/> copies the figures into an
/// immutable <see cref="CensusSnapshot"/> for other threads.
/// </remarks>
public sealed class ConnectionCensus : IConnectionObserver, IAnomalySink
{
    private const int StateCount = 11;
    private readonly int _topCount;
    private readonly int _alertCapacity;
    private readonly long[] _originatorStates = new long[RfcStateNames.Count];
    private readonly long[] _responderStates = new long[RfcStateNames.Count];
    private readonly Dictionary<long, Contribution> _connections = [];
    private readonly Dictionary<TcpEndpoint, StateCounts> _listeners = [];
    private readonly Dictionary<IpAddress, long> _timeWaitByHost = [];
    private readonly Dictionary<(long Id, bool Originator), LingeringEndpoint> _lingering = [];
    private readonly Queue<Anomaly> _recentAlerts = new();
    private long _timeWait, _closeWait, _finWait2, _alertsRaised;
    private long _segments, _syn, _synAck, _rst, _fin;
    private SegmentCounts _atLastSnapshot;
    private PacketTime _clock, _lastSnapshotTime;
    private bool _started;

    /// <param name="topCount">How many listeners, hosts and lingering endpoints a snapshot lists.</param>
    /// <param name="alertCapacity">How many of the latest anomalies a snapshot lists.</param>
    public ConnectionCensus(int topCount = 10, int alertCapacity = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(alertCapacity);
        if (RfcStateNames.Count != StateCount)
            throw new InvalidOperationException($"StateArray has {StateCount} slots for {RfcStateNames.Count} RFC states");
        _topCount = topCount;
        _alertCapacity = alertCapacity;
    }

    /// <summary>Connections counted now.</summary>
    public long Connections => _connections.Count;

    public long OriginatorsIn(RfcState state) => _originatorStates[(int)state];

    public long RespondersIn(RfcState state) => _responderStates[(int)state];

    public void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        _segments++;
        bool syn = segment.Has(TcpFlags.Syn);
        if (syn && segment.Has(TcpFlags.Ack)) _synAck++;
        else if (syn) _syn++;
        if (segment.Has(TcpFlags.Rst)) _rst++;
        if (segment.Has(TcpFlags.Fin)) _fin++;
    }

    public void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time)
    {
        ref var tracked = ref CollectionsMarshal.GetValueRefOrAddDefault(_connections, connection.Id, out bool known);
        var now = Contribution.Of(connection);
        if (!known)
        {
            AddSide(connection.Id, originator: true, now.OriginatorState, now.Originator, now.Responder, time, +1);
            AddSide(connection.Id, originator: false, now.ResponderState, now.Responder, now.Originator, time, +1);
        }
        else
        {
            if (tracked.OriginatorState != now.OriginatorState || tracked.Originator != now.Originator)
            {
                AddSide(connection.Id, originator: true, tracked.OriginatorState, tracked.Originator, tracked.Responder, time, -1);
                AddSide(connection.Id, originator: true, now.OriginatorState, now.Originator, now.Responder, time, +1);
            }
            if (tracked.ResponderState != now.ResponderState || tracked.Responder != now.Responder)
            {
                AddSide(connection.Id, originator: false, tracked.ResponderState, tracked.Responder, tracked.Originator, time, -1);
                AddSide(connection.Id, originator: false, now.ResponderState, now.Responder, now.Originator, time, +1);
            }
        }
        tracked = now;
    }

    public void OnNote(in ConnectionView connection, StateMachineNote note, bool originator, PacketTime time)
    {
    }

    public void OnFinished(in ConnectionView connection)
    {
        if (!_connections.Remove(connection.Id, out var tracked))
            return;
        AddSide(connection.Id, originator: true, tracked.OriginatorState, tracked.Originator, tracked.Responder, _clock, -1);
        AddSide(connection.Id, originator: false, tracked.ResponderState, tracked.Responder, tracked.Originator, _clock, -1);
    }

    public void OnClock(PacketTime now)
    {
        _clock = now;
        if (!_started)
        {
            _started = true;
            _lastSnapshotTime = now;
        }
    }

    /// <summary>Keeps the anomaly for the alert feed; the latest <c>alertCapacity</c> are kept.</summary>
    public void OnRaised(Anomaly anomaly)
    {
        _alertsRaised++;
        if (_recentAlerts.Count == _alertCapacity)
            _recentAlerts.Dequeue();
        _recentAlerts.Enqueue(anomaly);
    }

    /// <summary>
    /// Copies the figures as of <paramref name="now"/> (the packet clock; live capture passes its idle-advanced clock).
    /// Rates are over the packet time since the previous snapshot. Allocates the snapshot; call it about once a second.
    /// </summary>
    public CensusSnapshot TakeSnapshot(PacketTime now)
    {
        now = PacketTime.Max(now, _clock);
        var totals = new SegmentCounts(_segments, _syn, _synAck, _rst, _fin);
        double interval = _started ? now.SecondsSince(_lastSnapshotTime) : 0;
        var rates = interval > 0
            ? new SegmentCounts(
                (totals.Segments - _atLastSnapshot.Segments) / interval,
                (totals.Syn - _atLastSnapshot.Syn) / interval,
                (totals.SynAck - _atLastSnapshot.SynAck) / interval,
                (totals.Rst - _atLastSnapshot.Rst) / interval,
                (totals.Fin - _atLastSnapshot.Fin) / interval)
            : default;
        _atLastSnapshot = totals;
        if (_started)
            _lastSnapshotTime = now;

        return new CensusSnapshot
        {
            Time = now,
            IntervalSeconds = interval,
            OriginatorStates = [.. _originatorStates],
            ResponderStates = [.. _responderStates],
            Connections = _connections.Count,
            Rates = rates,
            Totals = totals,
            Listeners = TopListeners(),
            TimeWait = _timeWait,
            TimeWaitByHost = Top(_timeWaitByHost.Select(pair => new HostCount(pair.Key, pair.Value)),
                (a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : a.Host.CompareTo(b.Host)),
            CloseWait = _closeWait,
            OldestCloseWait = Oldest(RfcState.CloseWait, now),
            FinWait2 = _finWait2,
            OldestFinWait2 = Oldest(RfcState.FinWait2, now),
            AlertsRaised = _alertsRaised,
            RecentAlerts = _recentAlerts.Reverse()
                .Select(a => new AlertLine(a.Id, a.Level, a.Severity, a.Subject, a.Message, a.FirstSeen, a.LastSeen, a.Count))
                .ToList(),
        };
    }

    /// <summary>Adds (<paramref name="delta"/> = +1) or withdraws (−1) one endpoint's part in every count.</summary>
    private void AddSide(long id, bool originator, RfcState state, TcpEndpoint local, TcpEndpoint peer, PacketTime time, int delta)
    {
        (originator ? _originatorStates : _responderStates)[(int)state] += delta;
        if (!originator)
        {
            ref var counts = ref CollectionsMarshal.GetValueRefOrAddDefault(_listeners, local, out _);
            counts[(int)state] += delta;
            counts.Total += delta;
            if (counts.Total == 0)
                _listeners.Remove(local);
        }
        switch (state)
        {
            case RfcState.TimeWait:
                _timeWait += delta;
                ref long hostCount = ref CollectionsMarshal.GetValueRefOrAddDefault(_timeWaitByHost, local.Address, out _);
                hostCount += delta;
                if (hostCount == 0)
                    _timeWaitByHost.Remove(local.Address);
                break;
            case RfcState.CloseWait or RfcState.FinWait2:
                if (state == RfcState.CloseWait) _closeWait += delta;
                else _finWait2 += delta;
                if (delta > 0)
                    _lingering[(id, originator)] = new LingeringEndpoint(local, peer, originator, state, time, 0);
                else
                    _lingering.Remove((id, originator));
                break;
        }
    }

    private List<ListenerCounts> TopListeners()
    {
        var top = new List<KeyValuePair<TcpEndpoint, StateCounts>>(_topCount + 1);
        foreach (var pair in _listeners)
            Insert(top, pair, _topCount, (a, b) =>
            {
                long synA = a.Value[(int)RfcState.SynReceived], synB = b.Value[(int)RfcState.SynReceived];
                if (synA != synB) return synB.CompareTo(synA);
                if (a.Value.Total != b.Value.Total) return b.Value.Total.CompareTo(a.Value.Total);
                int byAddress = a.Key.Address.CompareTo(b.Key.Address);
                return byAddress != 0 ? byAddress : a.Key.Port.CompareTo(b.Key.Port);
            });
        return top.Select(pair =>
        {
            var states = new long[RfcStateNames.Count];
            for (int i = 0; i < states.Length; i++) states[i] = pair.Value[i];
            return new ListenerCounts(pair.Key, states, pair.Value.Total);
        }).ToList();
    }

    private List<LingeringEndpoint> Oldest(RfcState state, PacketTime now)
    {
        var top = new List<LingeringEndpoint>(_topCount + 1);
        foreach (var endpoint in _lingering.Values)
            if (endpoint.State == state)
                Insert(top, endpoint, _topCount, (a, b) => a.Since.CompareTo(b.Since));
        return top.Select(e => e with { AgeSeconds = Math.Max(0, now.SecondsSince(e.Since)) }).ToList();
    }

    private List<T> Top<T>(IEnumerable<T> items, Comparison<T> order)
    {
        var top = new List<T>(_topCount + 1);
        foreach (var item in items)
            Insert(top, item, _topCount, order);
        return top;
    }

    /// <summary>Keeps <paramref name="top"/> sorted and at most <paramref name="capacity"/> long: O(n·k) for k small.</summary>
    private static void Insert<T>(List<T> top, T item, int capacity, Comparison<T> order)
    {
        if (top.Count == capacity && order(item, top[^1]) >= 0)
            return;
        int at = top.Count;
        while (at > 0 && order(item, top[at - 1]) < 0)
            at--;
        top.Insert(at, item);
        if (top.Count > capacity)
            top.RemoveAt(top.Count - 1);
    }

    /// <summary>What one connection adds to the counts: each side's state and endpoint.</summary>
    private readonly record struct Contribution(RfcState OriginatorState, RfcState ResponderState, TcpEndpoint Originator, TcpEndpoint Responder)
    {
        public static Contribution Of(in ConnectionView connection) => new(
            connection.OriginatorState, connection.ResponderState,
            new TcpEndpoint(connection.OriginatorAddress, connection.OriginatorPort),
            new TcpEndpoint(connection.ResponderAddress, connection.ResponderPort));
    }

    /// <summary>Connections per RFC state at one responder endpoint, inline so the listener table allocates nothing per entry.</summary>
    private struct StateCounts
    {
        private StateArray _states;
        public long Total;

        public long this[int state]
        {
            readonly get => _states[state];
            set => _states[state] = value;
        }
    }

    /// <summary>One slot per <see cref="RfcState"/>; the constructor checks the two agree.</summary>
    [InlineArray(StateCount)]
    private struct StateArray
    {
        private long _first;
    }
}
