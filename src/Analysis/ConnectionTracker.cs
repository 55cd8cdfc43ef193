using TcpState.Analysis.Connections;
using TcpState.Analysis.Zeek;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis;

/// <summary>
/// The analysis entry point: segments in, finished connection records out. Finds or creates each segment's
/// connection, feeds it to Zeek's model (history, conn_state) and to the RFC state machine, and runs every timer —
/// TIME_WAIT's 2MSL, idle and handshake timeouts, the short linger after both sides closed — on packet time.
/// Allocates nothing per segment once its tables have grown.
/// </summary>
public sealed class ConnectionTracker : IStateMachineListener
{
    private readonly IConnectionSink _sink;
    private readonly ConnectionTable _table;
    private readonly TransitionLog _transitions = new();
    private readonly DataRangePool _ranges = new();
    private readonly long _timeWaitNs, _idleNs, _handshakeNs, _lingerNs;
    private readonly long[] _finished = new long[Enum.GetValues<FinishReason>().Length];
    private IConnectionObserver[] _observers = [];
    private long _nextOrdinal;
    private int _current = -1;
    private bool _timeWaitRestarted;

    public ConnectionTracker(AnalysisOptions options, IConnectionSink sink)
    {
        Options = options;
        _sink = sink;
        _table = new ConnectionTable(options.MaxConnections);
        _timeWaitNs = ToNanoseconds(options.TimeWaitSeconds);
        _idleNs = ToNanoseconds(options.IdleTimeoutSeconds);
        _handshakeNs = ToNanoseconds(options.HandshakeTimeoutSeconds);
        _lingerNs = ToNanoseconds(options.ClosedLingerSeconds);
    }

    public AnalysisOptions Options { get; }

    /// <summary>Adds an observer; it sees every segment, transition, note and finished connection from now on.</summary>
    public void AddObserver(IConnectionObserver observer)
    {
        _observers = [.. _observers, observer];
        if (observer is ITrackerAttached attached)
            attached.AttachedTo(this);
    }

    /// <summary>
    /// Visits every connection tracked now. For the rare moments an observer needs the whole picture (an anomaly
    /// firing), not for per-packet work: it walks the whole table.
    /// </summary>
    public void ForEachConnection(ConnectionVisitor visitor)
    {
        foreach (int index in _table.InUse())
            visitor(new ConnectionView(ref _table[index], _transitions, FinishReason.Open));
    }

    /// <summary>The packet clock: the latest packet time seen (or passed to <see cref="AdvanceTime"/>).</summary>
    public PacketTime Clock { get; private set; }

    public long SegmentsProcessed { get; private set; }
    public long SegmentsIgnoredForChecksum { get; private set; }
    public long ConnectionsCreated { get; private set; }
    public int ActiveConnections => _table.Count;
    public int PeakConnections => _table.PeakCount;

    public long ConnectionsFinished(FinishReason reason) => _finished[(int)reason];

    public void Process(in TcpSegment segment)
    {
        SegmentsProcessed++;
        AdvanceTime(segment.Timestamp);

        var key = ConnectionKey.FromSegment(segment, out var sender);
        int index = _table.Find(key);
        bool reused = false;
        int createdIndex = -1;
        if (index >= 0 && StartsNewConnection(_table[index], sender, segment))
        {
            Finish(index, FinishReason.PortReused);
            index = -1;
            reused = true;
        }
        if (index < 0)
            index = createdIndex = Create(key, sender, segment, reused);

        _current = index;
        ref var connection = ref _table[index];
        if (segment.Timestamp > connection.LastSeen)
            connection.LastSeen = segment.Timestamp;

        var facts = Classify(connection, sender, segment, opened: index == createdIndex);
        if (ZeekTcpModel.Process(ref connection.Zeek, ref connection.Originator, sender, segment, _ranges))
        {
            if (sender == Side.A) connection.PacketsA++;
            else connection.PacketsB++;
            TcpStateMachine.OnSegment(ref connection.Endpoint(sender), ref connection.Endpoint(sender.Other()), sender, segment, this);
        }
        else
        {
            SegmentsIgnoredForChecksum++;
            facts = facts with { BadChecksum = true };
        }

        Requeue(index, segment.Timestamp);
        if (_observers.Length > 0)
        {
            facts = facts with { FromOriginator = sender == connection.Originator };
            var view = new ConnectionView(ref connection, _transitions, FinishReason.Open);
            foreach (var observer in _observers)
                observer.OnSegment(view, segment, facts);
        }
        _current = -1;
    }

    /// <summary>What a segment is, judged against what its sender and receiver had sent before it.</summary>
    private static SegmentFacts Classify(in Connection connection, Side sender, in TcpSegment segment, bool opened)
    {
        var from = connection.Get(sender);
        var to = connection.Get(sender.Other());
        bool syn = segment.Has(TcpFlags.Syn), fin = segment.Has(TcpFlags.Fin), rst = segment.Has(TcpFlags.Rst);
        int length = segment.PayloadLength;
        bool probeShaped = !opened && from.HasSent && segment.Has(TcpFlags.Ack) && !syn && !fin && !rst && length <= 1 &&
                           segment.Sequence == from.SendNext - 1;
        bool zeroWindowProbe = !syn && !rst && to.HasSent && to.Window == 0 && (probeShaped || length > 0);
        bool retransmission = !opened && from.HasSent && length > 0 && !syn && !probeShaped &&
                              !SequenceNumbers.IsAfter(segment.Sequence + (uint)length, from.SendNext);
        return new SegmentFacts
        {
            OpenedConnection = opened,
            RetransmittedSyn = syn && !rst && from.HasIsn && from.HasSent && segment.Sequence == from.Isn,
            Retransmission = retransmission,
            KeepAlive = probeShaped && !zeroWindowProbe,
            ZeroWindow = segment.Window == 0 && !rst,
            ZeroWindowProbe = zeroWindowProbe,
        };
    }

    /// <summary>Moves the packet clock forward (live capture calls this when traffic is idle) and fires due timers.</summary>
    public void AdvanceTime(PacketTime now)
    {
        if (now <= Clock) return;
        Clock = now;
        ExpireDue(now);
        foreach (var observer in _observers)
            observer.OnClock(now);
    }

    /// <summary>The input has ended: writes every connection still tracked, in the order they started.</summary>
    public void Finish()
    {
        var remaining = _table.InUse().ToArray();
        Array.Sort(remaining, (x, y) =>
        {
            int c = _table[x].FirstSeen.CompareTo(_table[y].FirstSeen);
            return c != 0 ? c : _table[x].Ordinal.CompareTo(_table[y].Ordinal);
        });
        foreach (int index in remaining)
            Finish(index, FinishReason.EndOfInput);
    }

    private static long ToNanoseconds(double seconds) => (long)Math.Round(seconds * PacketTime.NanosecondsPerSecond);

    /// <summary>
    /// A pure SYN on a tracked 4-tuple starts a new connection unless it is a retransmission, belongs to a handshake
    /// still pending, or is the other half of a simultaneous open. After either side has closed (FIN or RST) or while
    /// one is in TIME_WAIT, that is port reuse (RFC 9293 §3.10.7.4 lets TIME_WAIT accept a new SYN).
    /// </summary>
    private static bool StartsNewConnection(in Connection connection, Side sender, in TcpSegment segment)
    {
        if (!segment.Has(TcpFlags.Syn) || segment.Has(TcpFlags.Ack) || segment.Has(TcpFlags.Rst))
            return false;
        var endpoint = connection.Get(sender);
        if (sender == connection.Originator && endpoint.HasIsn && segment.Sequence == endpoint.Isn)
            return false;
        bool closing = connection.Zeek.A.DidClose || connection.Zeek.B.DidClose ||
                       connection.A.State == RfcState.TimeWait || connection.B.State == RfcState.TimeWait;
        if (closing)
            return true;
        if (sender == connection.Originator)
            return endpoint.State != RfcState.SynSent;
        return connection.Get(connection.Originator).State != RfcState.SynSent;
    }

    private int Create(in ConnectionKey key, Side sender, in TcpSegment segment, bool reused)
    {
        if (_table.IsFull)
            EvictOne();
        int index = _table.Add(key);
        ConnectionsCreated++;
        _current = index;
        ref var connection = ref _table[index];
        connection.Ordinal = _nextOrdinal++;
        connection.FirstSeen = connection.LastSeen = segment.Timestamp;
        connection.A = EndpointTrack.Initial;
        connection.B = EndpointTrack.Initial;
        connection.Zeek = ZeekConnection.Initial;
        connection.Zeek.LastTime = segment.Timestamp;
        connection.Originator = sender;
        if (reused)
            connection.Flags |= ConnectionFlags.PortReuse;
        if (ZeekTcpModel.ShouldFlipFirstPacket(segment))
        {
            connection.Originator = sender.Other();
            ZeekTcpModel.RecordInitialFlip(ref connection.Zeek);
        }

        bool syn = segment.Has(TcpFlags.Syn), ack = segment.Has(TcpFlags.Ack), rst = segment.Has(TcpFlags.Rst);
        if (syn && ack && !rst)
            TcpStateMachine.BeginAtSynAck(ref connection.Endpoint(sender.Other()), sender.Other(), segment, this);
        else if (!syn || rst)
        {
            connection.Flags |= ConnectionFlags.Midstream;
            TcpStateMachine.BeginMidstream(ref connection.A, ref connection.B, segment.Timestamp, this);
        }
        return index;
    }

    private void Requeue(int index, PacketTime now)
    {
        ref var connection = ref _table[index];
        if (connection.A.State == RfcState.TimeWait || connection.B.State == RfcState.TimeWait)
        {
            // 2MSL runs from entering TIME_WAIT, and restarts when the peer retransmits its FIN (RFC 9293 §3.10.7.4).
            var entered = PacketTime.Max(
                connection.A.State == RfcState.TimeWait ? connection.A.LastTransitionTime : PacketTime.Zero,
                connection.B.State == RfcState.TimeWait ? connection.B.LastTransitionTime : PacketTime.Zero);
            var anchor = connection.Queue == ExpiryQueue.TimeWait && !_timeWaitRestarted
                ? PacketTime.Max(connection.QueueAnchor, entered)
                : (_timeWaitRestarted ? now : entered);
            _timeWaitRestarted = false;
            _table.Enqueue(index, ExpiryQueue.TimeWait, anchor);
        }
        else if (IsClosedOnBothSides(connection))
            _table.Enqueue(index, ExpiryQueue.Closed, connection.LastSeen);
        else if (!connection.ReachedEstablished)
            _table.Enqueue(index, ExpiryQueue.Handshake, connection.LastSeen);
        else
            _table.Enqueue(index, ExpiryQueue.Active, connection.LastSeen);
    }

    private static bool IsClosedOnBothSides(in Connection connection) =>
        connection.A.State is RfcState.Closed or RfcState.Listen &&
        connection.B.State is RfcState.Closed or RfcState.Listen &&
        (connection.A.HasSent || connection.B.HasSent) &&
        connection.Get(connection.Originator).State != RfcState.SynSent;

    private long Timeout(ExpiryQueue queue) => queue switch
    {
        ExpiryQueue.Handshake => _handshakeNs,
        ExpiryQueue.Active => _idleNs,
        ExpiryQueue.TimeWait => _timeWaitNs,
        ExpiryQueue.Closed => _lingerNs,
        _ => long.MaxValue,
    };

    private void ExpireDue(PacketTime now)
    {
        ExpireQueue(ExpiryQueue.Closed, now);
        ExpireQueue(ExpiryQueue.TimeWait, now);
        ExpireQueue(ExpiryQueue.Handshake, now);
        ExpireQueue(ExpiryQueue.Active, now);
    }

    private void ExpireQueue(ExpiryQueue queue, PacketTime now)
    {
        long timeout = Timeout(queue);
        while (true)
        {
            int index = _table.Oldest(queue);
            if (index < 0) return;
            var deadline = _table[index].QueueAnchor.AddNanoseconds(timeout);
            if (deadline > now) return;
            switch (queue)
            {
                case ExpiryQueue.TimeWait:
                    ExpireTimeWait(index, deadline);
                    break;
                case ExpiryQueue.Closed:
                    Finish(index, FinishReason.Closed);
                    break;
                default:
                    Finish(index, FinishReason.IdleTimeout);
                    break;
            }
        }
    }

    private void ExpireTimeWait(int index, PacketTime deadline)
    {
        _current = index;
        ref var connection = ref _table[index];
        if (connection.A.State == RfcState.TimeWait)
            TcpStateMachine.ExpireTimeWait(ref connection.A, Side.A, deadline, this);
        if (connection.B.State == RfcState.TimeWait)
            TcpStateMachine.ExpireTimeWait(ref connection.B, Side.B, deadline, this);
        _current = -1;
        if (connection.A.State is RfcState.Closed or RfcState.Listen && connection.B.State is RfcState.Closed or RfcState.Listen)
            Finish(index, FinishReason.TimeWaitExpired);
        else
            Requeue(index, deadline);
    }

    private void EvictOne()
    {
        foreach (var queue in (ReadOnlySpan<ExpiryQueue>)[ExpiryQueue.Closed, ExpiryQueue.Handshake, ExpiryQueue.TimeWait, ExpiryQueue.Active])
        {
            int index = _table.Oldest(queue);
            if (index >= 0)
            {
                Finish(index, FinishReason.Evicted);
                return;
            }
        }
    }

    private void Finish(int index, FinishReason reason)
    {
        int previous = _current;
        _current = index;
        ref var connection = ref _table[index];
        TcpStateMachine.Settle(ref connection.A, ref connection.B, this);
        if (reason == FinishReason.EndOfInput)
            ExpireSettledTimeWait(ref connection);
        _finished[(int)reason]++;
        var view = new ConnectionView(ref connection, _transitions, reason);
        foreach (var observer in _observers)
            observer.OnFinished(view);
        _sink.OnConnection(view);
        _transitions.Release(ref connection);
        _ranges.Clear(ref connection.Zeek.A.OutOfOrder);
        _ranges.Clear(ref connection.Zeek.B.OutOfOrder);
        _table.Remove(index);
        _current = previous == index ? -1 : previous;
    }

    /// <summary>
    /// At the end of the input, a TIME_WAIT whose 2MSL has passed on the packet clock (it may have been entered only
    /// now, when settling) ends; one still within 2MSL stays TIME_WAIT, the state the capture last showed.
    /// </summary>
    private void ExpireSettledTimeWait(ref Connection connection)
    {
        for (var side = Side.A; side <= Side.B; side++)
        {
            ref var endpoint = ref connection.Endpoint(side);
            if (endpoint.State != RfcState.TimeWait)
                continue;
            var started = connection.Queue == ExpiryQueue.TimeWait
                ? PacketTime.Max(connection.QueueAnchor, endpoint.LastTransitionTime)
                : endpoint.LastTransitionTime;
            var deadline = started.AddNanoseconds(_timeWaitNs);
            if (deadline <= Clock)
                TcpStateMachine.ExpireTimeWait(ref endpoint, side, deadline, this);
        }
    }

    void IStateMachineListener.OnTransition(Side side, RfcState from, RfcState to, PacketTime time)
    {
        ref var connection = ref _table[_current];
        if (Options.RecordTransitions)
            _transitions.TryAppend(ref connection, side, from, to, time);
        if (to == RfcState.Established)
            connection.ReachedEstablished = true;
        if (_observers.Length > 0)
        {
            var view = new ConnectionView(ref connection, _transitions, FinishReason.Open);
            foreach (var observer in _observers)
                observer.OnTransition(view, side == connection.Originator, from, to, time);
        }
    }

    void IStateMachineListener.OnNote(StateMachineNote note, Side side, PacketTime time)
    {
        ref var connection = ref _table[_current];
        connection.Flags |= note switch
        {
            StateMachineNote.SimultaneousOpen => ConnectionFlags.SimultaneousOpen,
            StateMachineNote.SimultaneousClose => ConnectionFlags.SimultaneousClose,
            StateMachineNote.FastOpen => ConnectionFlags.FastOpen,
            StateMachineNote.SynWithData => ConnectionFlags.SynWithData,
            StateMachineNote.IsnChanged => ConnectionFlags.IsnChanged,
            StateMachineNote.BadSynAck or StateMachineNote.BadHandshakeAck => ConnectionFlags.BadHandshakeAck,
            StateMachineNote.RstOutOfWindow => ConnectionFlags.RstOutOfWindow,
            _ => ConnectionFlags.None,
        };
        if (note == StateMachineNote.TimeWaitRestarted)
            _timeWaitRestarted = true;
        if (_observers.Length > 0)
        {
            var view = new ConnectionView(ref connection, _transitions, FinishReason.Open);
            foreach (var observer in _observers)
                observer.OnNote(view, note, side == connection.Originator, time);
        }
    }
}
