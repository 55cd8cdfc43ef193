using System.Runtime.CompilerServices;
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
    private readonly DetailPool _details = new();
    private readonly ParkedPool _parked = new();
    private readonly SynReplay _replay;
    private readonly TransitionLog _transitions = new();
    private readonly DataRangePool _ranges = new();
    private readonly long _timeWaitNs, _idleNs, _handshakeNs, _lingerNs, _parkAfterNs;
    private readonly long[] _finished = new long[Enum.GetValues<FinishReason>().Length];
    private IConnectionObserver[] _observers = [];
    private long _nextOrdinal;
    private int _current = -1;
    private bool _timeWaitRestarted;

    /// <summary>The slot whose detail the parking sweep last asked the CPU to load.</summary>
    private int _parkPrefetched = -1;

    public ConnectionTracker(AnalysisOptions options, IConnectionSink sink)
    {
        Options = options;
        _sink = sink;
        _table = new ConnectionTable(options.MaxConnections);
        _replay = new SynReplay(this);
        _timeWaitNs = ToNanoseconds(options.TimeWaitSeconds);
        _idleNs = ToNanoseconds(options.IdleTimeoutSeconds);
        _handshakeNs = ToNanoseconds(options.HandshakeTimeoutSeconds);
        _lingerNs = ToNanoseconds(options.ClosedLingerSeconds);
        _parkAfterNs = options.ParkIdleAfterSeconds is { } park ? ToNanoseconds(park) : -1;
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
        {
            ref var connection = ref _table[index];
            if (connection.HasDetail)
            {
                visitor(new ConnectionView(ref connection, ref _details[connection.Detail], _transitions, FinishReason.Open));
                continue;
            }
            if (connection.IsParked)
            {
                // Unpacked aside and left parked; its transitions are still its own, so nothing is released.
                _parked.Peek(connection.ParkedIndex, connection, ref _replay.Scratch);
                visitor(new ConnectionView(ref connection, ref _replay.Scratch, _transitions, FinishReason.Open));
                continue;
            }
            // Rebuilt aside, not in the pool: this may run inside another connection's update, whose detail must not move.
            _replay.Rebuild(ref connection, ref _replay.Scratch);
            visitor(new ConnectionView(ref connection, ref _replay.Scratch, _transitions, FinishReason.Open));
            _transitions.Release(ref _replay.Scratch);
        }
        foreach (int handle in _table.PackedInUse())
        {
            // Unpacked aside, not into a slot: the slot array must not grow under a connection being updated.
            _table.UnpackInto(handle, ref _peekConnection);
            _table.Packed(handle).UnpackDetail(out var parked);
            ParkedPool.Unpack(_peekConnection, parked, ref _replay.Scratch);
            visitor(new ConnectionView(ref _peekConnection, ref _replay.Scratch, _transitions, FinishReason.Open));
        }
    }

    /// <summary>Where <see cref="ForEachConnection"/> unpacks a packed connection's slot fields.</summary>
    private Connection _peekConnection;

    /// <summary>The packet clock: the latest packet time seen (or passed to <see cref="AdvanceTime"/>).</summary>
    public PacketTime Clock { get; private set; }

    public long SegmentsProcessed { get; private set; }
    public long SegmentsIgnoredForChecksum { get; private set; }
    public long ConnectionsCreated { get; private set; }
    public int ActiveConnections => _table.Count;

    /// <summary>Connections tracked now that are nothing but an unanswered SYN, held in their table slot alone.</summary>
    public int HeldConnections => _table.Count - _details.InUse - ParkedConnections;

    /// <summary>Connections tracked now that are idle and kept packed (<see cref="AnalysisOptions.ParkIdleAfterSeconds"/>).</summary>
    public int ParkedConnections => _parked.InUse + _table.PackedCount;

    /// <summary>The parked connections moved out of their slots altogether (<see cref="PackedConnection"/>).</summary>
    public int PackedConnections => _table.PackedCount;

    /// <summary>Times a connection was parked, each idle spell counted once.</summary>
    public long Parks { get; private set; }

    /// <summary>Times a connection was offered for parking and kept whole: its detail would not have come back exact.</summary>
    public long ParksRefused { get; private set; }
    public int PeakConnections => _table.PeakCount;

    public long ConnectionsFinished(FinishReason reason) => _finished[(int)reason];

    /// <summary>The most segments <see cref="ProcessBatch(ReadOnlySpan{TcpSegment})"/> takes at once.</summary>
    public const int MaxBatch = 32;

    /// <summary>
    /// Processes segments in order, exactly as <see cref="Process"/> one at a time would, after first asking the CPU
    /// to load each one's bucket, slot and detail: with many connections open those are cache misses, and starting
    /// them together overlaps their latency. A prefetch is only a hint, so a stale guess changes nothing but speed.
    /// </summary>
    [SkipLocalsInit] // every element of the span is written before it is read
    public void ProcessBatch(ReadOnlySpan<TcpSegment> segments)
    {
        if (segments.Length > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(segments), $"at most {MaxBatch} segments at once");
        Span<KeyedSegment> keys = stackalloc KeyedSegment[segments.Length];
        KeyedSegment.OfEach(segments, keys);
        ProcessBatch(segments, keys);
    }

    /// <summary>
    /// <see cref="ProcessBatch(ReadOnlySpan{TcpSegment})"/> for a caller that has each segment's key already
    /// (<see cref="KeyedSegment.Of"/>, one for one with <paramref name="segments"/>).
    /// </summary>
    [SkipLocalsInit] // every element of the span below is written before it is read
    public void ProcessBatch(ReadOnlySpan<TcpSegment> segments, ReadOnlySpan<KeyedSegment> keys)
    {
        if (segments.Length > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(segments), $"at most {MaxBatch} segments at once");
        if (keys.Length != segments.Length)
            throw new ArgumentException("one key per segment", nameof(keys));
        for (int i = 0; i < keys.Length; i++)
            _table.PrefetchBucket(keys[i].Hash);
        Span<int> firsts = stackalloc int[segments.Length];
        for (int i = 0; i < keys.Length; i++)
            firsts[i] = _table.PrefetchFirst(keys[i].Hash);
        for (int i = 0; i < segments.Length; i++)
        {
            int handle = firsts[i];
            if (handle == ConnectionTable.None)
                continue;
            if (ConnectionTable.IsPacked(handle))
            {
                // Unpacking it takes its place in its queue: its neighbours there were active when it was, long ago.
                _table.PrefetchQueueNeighbours(handle);
                continue;
            }
            ref var connection = ref _table[handle];
            if (connection.HasDetail)
                _details.Prefetch(connection.Detail);
            else if (connection.IsParked)
                _parked.Prefetch(connection.ParkedIndex);
        }
        for (int i = 0; i < segments.Length; i++)
            Process(segments[i], keys[i].Key, keys[i].Sender, keys[i].Hash);
    }

    public void Process(in TcpSegment segment)
    {
        var keyed = KeyedSegment.Of(segment);
        Process(segment, keyed.Key, keyed.Sender, keyed.Hash);
    }

    private void Process(in TcpSegment segment, in ConnectionKey key, Side sender, int hash)
    {
        SegmentsProcessed++;
        AdvanceTime(segment.Timestamp);

        int index = _table.Find(key, hash);
        if (ConnectionTable.IsPacked(index))
            index = Unpack(index);
        bool reused = false;
        int createdIndex = -1;
        if (index >= 0)
        {
            Expand(index);
            if (StartsNewConnection(_table[index], _details[_table[index].Detail], sender, segment))
            {
                Finish(index, FinishReason.PortReused);
                index = -1;
                reused = true;
            }
        }
        if (index < 0)
            index = createdIndex = Create(key, sender, segment, reused);

        _current = index;
        ref var connection = ref _table[index];
        ref var detail = ref _details[connection.Detail];
        if (segment.Timestamp > connection.LastSeen)
            connection.LastSeen = segment.Timestamp;

        bool opened = index == createdIndex;
        var facts = Classify(detail, sender, segment, opened);
        bool badChecksum = false;
        if (ZeekTcpModel.Process(ref detail.Zeek, ref connection.Originator, sender, segment, _ranges))
        {
            if (sender == Side.A) connection.PacketsA++;
            else connection.PacketsB++;
            TcpStateMachine.OnSegment(ref detail.Endpoint(sender), ref detail.Endpoint(sender.Other()), sender, segment, this);
        }
        else
        {
            SegmentsIgnoredForChecksum++;
            badChecksum = true;
        }

        Requeue(index, segment.Timestamp);
        if (_observers.Length > 0)
        {
            facts = facts.Seen(fromOriginator: sender == connection.Originator, badChecksum);
            var view = new ConnectionView(ref connection, ref detail, _transitions, FinishReason.Open);
            foreach (var observer in _observers)
                observer.OnSegment(view, segment, facts);
        }
        _current = -1;
        if (_table[index].Syn.Holdable)
            HoldIfOnlyItsSyn(index, sender, segment, opened);
        if (_table[index].Queue is ExpiryQueue.Handshake or ExpiryQueue.Closed)
            ParkUnderPressure(index);
    }

    /// <summary>
    /// A connection that is still nothing but its originator's SYN gives its detail back and keeps the SYN in its slot:
    /// under a SYN flood that is nearly every connection, and the slot alone is a fraction of the memory.
    /// </summary>
    private void HoldIfOnlyItsSyn(int index, Side sender, in TcpSegment segment, bool opened)
    {
        ref var connection = ref _table[index];
        bool onlyItsSyn = sender == connection.Originator && connection.PacketsFrom(connection.Responder) == 0 &&
                          (connection.Flags & ~ConnectionFlags.PortReuse) == 0 && !connection.ReachedEstablished &&
                          (opened || (connection.Syn.IsRepeatedBy(segment) && segment.Timestamp == connection.LastSeen));
        if (!onlyItsSyn)
        {
            connection.Syn.Holdable = false;
            return;
        }
        ref var detail = ref _details[connection.Detail];
        _transitions.Release(ref detail);
        _details.Return(connection.Detail);
        connection.Detail = Connection.NoDetail;
    }

    /// <summary>
    /// Gives a held or parked connection its detail back: rebuilt from its SYN, or unpacked. Only where no other detail
    /// is being updated.
    /// </summary>
    private void Expand(int index)
    {
        ref var connection = ref _table[index];
        if (connection.HasDetail)
            return;
        // Unpacking and replaying both start from ConnectionDetail.Reset themselves.
        int detail = _details.RentForOverwrite();
        if (connection.IsParked)
        {
            _parked.Unpark(connection.ParkedIndex, connection, ref _details[detail]);
            connection.Detail = detail;
            return;
        }
        connection.Detail = detail;
        _replay.Rebuild(ref connection, ref _details[detail]);
    }

    /// <summary>
    /// Moves a packed connection back into a slot, with its detail, and returns the slot. While the table is being
    /// emptied, into a slot linked nowhere, which finishing it frees for the next: the slots need not grow to hold them all.
    /// </summary>
    private int Unpack(int handle, bool beforeClear = false)
    {
        _table.Packed(handle).UnpackDetail(out var parked);
        int index = beforeClear ? _table.UnpackBeforeClear(handle) : _table.Unpack(handle);
        int detail = _details.RentForOverwrite();
        ParkedPool.Unpack(_table[index], parked, ref _details[detail]);
        _table[index].Detail = detail;
        return index;
    }

    /// <summary>
    /// Packs the details of connections idle for <see cref="AnalysisOptions.ParkIdleAfterSeconds"/>: with a million
    /// connections open, nearly all of them are quiet at any moment, and a parked one costs a fifth of the memory.
    /// Each connection is offered once per idle spell, from the Active queue's oldest.
    /// </summary>
    private void ParkIdle(PacketTime now)
    {
        if (_parkAfterNs < 0)
            return;
        int index;
        while ((index = _table.NextToPark) != ConnectionTable.None)
        {
            ref var connection = ref _table[index];
            if (connection.LastSeen.AddNanoseconds(_parkAfterNs) > now)
            {
                // The next to park, maybe many packets from now: start loading its detail while there is time.
                PrefetchForParking(index);
                return;
            }
            // Keeping up, connections come due one every few packets: each is parked a tick after its detail was
            // asked for, so packing it is not a cache miss, and the next one's slot is asked for straight after.
            // Fallen behind by a whole idle period (a gap in the capture), the sweep parks all that are due at once.
            bool behind = connection.LastSeen.AddNanoseconds(2 * _parkAfterNs) <= now;
            if (!behind && index != _parkPrefetched)
            {
                PrefetchForParking(index);
                return;
            }
            _table.SkipNextToPark();
            if (connection.HasDetail)
                Park(index);
            if (!behind)
            {
                if (_table.NextToPark is var next and >= 0)
                    _table.PrefetchSlot(next);
                return;
            }
        }
    }

    /// <summary>
    /// While handshakes pending, or connections closed and lingering, fill a sixteenth of the table or more, each is
    /// parked as soon as its packet is through. Handshakes that many are a SYN flood answered with SYN-ACKs (cookies):
    /// each takes a detail and its client never comes back. Closed connections that many are a flood of refused SYNs
    /// (a port scan, a flood at a closed port) or of lone RSTs: each lingers for its stragglers
    /// (<see cref="AnalysisOptions.ClosedLingerSeconds"/>) with a detail it will not need. Legitimate handshakes complete
    /// within a round trip, so they are never that many (a server opening 100,000 connections a second over a 100 ms
    /// path has 10,000 pending), and are not parked and unparked on their way to ESTABLISHED. Waiting until the flood's
    /// handshakes are idle instead would mean walking the Handshake queue, most of it the flood's unanswered SYNs (held
    /// in their slots already): a cache miss apiece, and half as much time again on the 10M-SYN flood (medians of 4
    /// rounds, 8.6 s and 13.3 s).
    /// </summary>
    private void ParkUnderPressure(int index)
    {
        ref var connection = ref _table[index];
        if (connection.HasDetail && _parkAfterNs >= 0 &&
            _table.CountIn(connection.Queue) >= _table.MaxConnections / PressureShare)
            Park(index);
    }

    private const int PressureShare = 16;

    /// <summary>Parks a connection's detail, out of its slot when it fits; counted, and left as it is when packing would not be exact.</summary>
    private void Park(int index)
    {
        ref var connection = ref _table[index];
        if (!_parked.TryPack(connection, _details[connection.Detail], out var parked))
        {
            ParksRefused++;
            return;
        }
        _details.Return(connection.Detail);
        // Out of the slot altogether when it fits; the slot is free from here on.
        if (PackedConnection.TryPack(connection, parked, out var packed))
            _table.Pack(index, packed);
        else
            connection.Park(_parked.Store(parked));
        Parks++;
    }

    private void PrefetchForParking(int index)
    {
        if (index == _parkPrefetched)
            return;
        ref var connection = ref _table[index];
        if (connection.HasDetail)
            _details.Prefetch(connection.Detail);
        // Packing it takes its place in its hash chain.
        _table.PrefetchBucket(connection.Key.GetHashCode());
        _parkPrefetched = index;
    }

    /// <summary>What a segment is, judged against what its sender and receiver had sent before it.</summary>
    private static SegmentFacts Classify(in ConnectionDetail connection, Side sender, in TcpSegment segment, bool opened)
    {
        ref readonly var from = ref connection.Get(sender);
        ref readonly var to = ref connection.Get(sender.Other());
        bool syn = segment.Has(TcpFlags.Syn), fin = segment.Has(TcpFlags.Fin), rst = segment.Has(TcpFlags.Rst);
        int length = segment.PayloadLength;
        bool probeShaped = !opened && from.HasSent && segment.Has(TcpFlags.Ack) && !syn && !fin && !rst && length <= 1 &&
                           segment.Sequence == from.SendNext - 1;
        bool zeroWindowProbe = !syn && !rst && to.HasSent && to.Window == 0 && (probeShaped || length > 0);
        bool retransmission = !opened && from.HasSent && length > 0 && !syn && !probeShaped &&
                              !SequenceNumbers.IsAfter(segment.Sequence + (uint)length, from.SendNext);
        return SegmentFacts.Of(
            openedConnection: opened,
            retransmittedSyn: syn && !rst && from.HasIsn && from.HasSent && segment.Sequence == from.Isn,
            retransmission: retransmission,
            keepAlive: probeShaped && !zeroWindowProbe,
            zeroWindow: segment.Window == 0 && !rst,
            zeroWindowProbe: zeroWindowProbe);
    }

    /// <summary>Moves the packet clock forward (live capture calls this when traffic is idle) and fires due timers.</summary>
    public void AdvanceTime(PacketTime now)
    {
        if (now <= Clock) return;
        Clock = now;
        ExpireDue(now);
        ParkIdle(now);
        foreach (var observer in _observers)
            observer.OnClock(now);
    }

    /// <summary>The input has ended: writes every connection still tracked, in the order they started.</summary>
    public void Finish()
    {
        // In the order they started. The sort keys are copied out first, so sorting does not read two slots at random
        // per comparison; and the table is emptied at once afterwards instead of unlinking each connection from its
        // hash chain and expiry queue. A million connections open at the end cost most of a second before.
        var remaining = new FlushOrder[_table.Count];
        int count = 0;
        foreach (int index in _table.InUse())
            remaining[count++] = new FlushOrder(_table[index].FirstSeen.UnixNanoseconds, _table[index].Ordinal, index);
        foreach (int handle in _table.PackedInUse())
        {
            ref readonly var packed = ref _table.Packed(handle);
            remaining[count++] = new FlushOrder(packed.FirstSeenNs, packed.Ordinal, handle);
        }
        Array.Sort(remaining, 0, count);
        for (int i = 0; i < count; i++)
        {
            int index = remaining[i].Index;
            if (ConnectionTable.IsPacked(index))
                index = Unpack(index, beforeClear: true);
            Finish(index, FinishReason.EndOfInput);
        }
        _table.Clear();
    }

    private readonly record struct FlushOrder(long FirstSeenNs, long Ordinal, int Index) : IComparable<FlushOrder>
    {
        public int CompareTo(FlushOrder other)
        {
            int c = FirstSeenNs.CompareTo(other.FirstSeenNs);
            return c != 0 ? c : Ordinal.CompareTo(other.Ordinal);
        }
    }

    private static long ToNanoseconds(double seconds) => (long)Math.Round(seconds * PacketTime.NanosecondsPerSecond);

    /// <summary>
    /// A pure SYN on a tracked 4-tuple starts a new connection unless it is a retransmission, belongs to a handshake
    /// still pending, or is the other half of a simultaneous open. After either side has closed (FIN or RST) or while
    /// one is in TIME_WAIT, that is port reuse (RFC 9293 §3.10.7.4 lets TIME_WAIT accept a new SYN).
    /// </summary>
    private static bool StartsNewConnection(in Connection connection, in ConnectionDetail detail, Side sender, in TcpSegment segment)
    {
        if (!segment.Has(TcpFlags.Syn) || segment.Has(TcpFlags.Ack) || segment.Has(TcpFlags.Rst))
            return false;
        ref readonly var endpoint = ref detail.Get(sender);
        if (sender == connection.Originator && endpoint.HasIsn && segment.Sequence == endpoint.Isn)
            return false;
        bool closing = detail.Zeek.A.DidClose || detail.Zeek.B.DidClose ||
                       detail.A.State == RfcState.TimeWait || detail.B.State == RfcState.TimeWait;
        if (closing)
            return true;
        if (sender == connection.Originator)
            return endpoint.State != RfcState.SynSent;
        return detail.Get(connection.Originator).State != RfcState.SynSent;
    }

    private int Create(in ConnectionKey key, Side sender, in TcpSegment segment, bool reused)
    {
        if (_table.IsFull)
            EvictOne();
        int index = _table.Add(key);
        ConnectionsCreated++;
        _current = index;
        ref var connection = ref _table[index];
        connection.Detail = _details.Rent();
        ref var detail = ref _details[connection.Detail];
        connection.Ordinal = _nextOrdinal++;
        connection.FirstSeen = connection.LastSeen = segment.Timestamp;
        detail.Zeek.LastTime = segment.Timestamp;
        connection.Originator = sender;
        if (reused)
            connection.Flags |= ConnectionFlags.PortReuse;
        if (Options.HoldUnansweredSyns && HeldSyn.CanHold(segment))
            connection.Syn = HeldSyn.From(segment);
        if (ZeekTcpModel.ShouldFlipFirstPacket(segment))
        {
            connection.Originator = sender.Other();
            ZeekTcpModel.RecordInitialFlip(ref detail.Zeek);
        }

        bool syn = segment.Has(TcpFlags.Syn), ack = segment.Has(TcpFlags.Ack), rst = segment.Has(TcpFlags.Rst);
        if (syn && ack && !rst)
            TcpStateMachine.BeginAtSynAck(ref detail.Endpoint(sender.Other()), sender.Other(), segment, this);
        else if (!syn || rst)
        {
            connection.Flags |= ConnectionFlags.Midstream;
            TcpStateMachine.BeginMidstream(ref detail.A, ref detail.B, segment.Timestamp, this);
        }
        return index;
    }

    /// <summary>
    /// Puts the connection at the tail of the queue its states call for. Every timer but TIME_WAIT's runs from the
    /// connection's last packet; 2MSL runs from entering TIME_WAIT, and restarts when the peer retransmits its FIN
    /// (RFC 9293 §3.10.7.4).
    /// </summary>
    private void Requeue(int index, PacketTime now)
    {
        ref var connection = ref _table[index];
        ref var detail = ref _details[connection.Detail];
        if (detail.A.State == RfcState.TimeWait || detail.B.State == RfcState.TimeWait)
        {
            var entered = PacketTime.Max(
                detail.A.State == RfcState.TimeWait ? detail.A.LastTransitionTime : PacketTime.Zero,
                detail.B.State == RfcState.TimeWait ? detail.B.LastTransitionTime : PacketTime.Zero);
            detail.TimeWaitAnchor = connection.Queue == ExpiryQueue.TimeWait && !_timeWaitRestarted
                ? PacketTime.Max(detail.TimeWaitAnchor, entered)
                : (_timeWaitRestarted ? now : entered);
            _timeWaitRestarted = false;
            _table.Enqueue(index, ExpiryQueue.TimeWait);
        }
        else
            _table.Enqueue(index, ExpiryQueues.Of(detail.A.State, detail.B.State, detail.A.HasSent || detail.B.HasSent,
                detail.Get(connection.Originator).State, connection.ReachedEstablished));
    }

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
            if (index == ConnectionTable.None) return;
            var anchor = queue == ExpiryQueue.TimeWait ? _details[_table[index].Detail].TimeWaitAnchor : _table.LastSeen(index);
            var deadline = anchor.AddNanoseconds(timeout);
            if (deadline > now) return;
            int next = PrefetchNextInQueue(index);
            if (ConnectionTable.IsPacked(index))
                index = Unpack(index);
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
            PrefetchBucketIfOldest(next, queue);
        }
    }

    /// <summary>
    /// Expiry in a flood, and eviction from a full table, finish connections from a queue's head one a packet: each a
    /// cache miss for its entry and another for its hash bucket, which unpacking and finishing it walk. The next one's
    /// entry is asked for as one is finished (this), and its bucket once it is (<see cref="PrefetchBucketIfOldest"/>:
    /// working out the bucket reads the entry), so by its turn both have arrived. Returns the next one, or None.
    /// </summary>
    private int PrefetchNextInQueue(int handle)
    {
        int next = _table.NextInQueue(handle);
        if (next != ConnectionTable.None)
            _table.PrefetchEntry(next);
        return next;
    }

    /// <summary>The second half of <see cref="PrefetchNextInQueue"/>, once the one before <paramref name="next"/> is finished.</summary>
    private void PrefetchBucketIfOldest(int next, ExpiryQueue queue)
    {
        if (next != ConnectionTable.None && next == _table.Oldest(queue))
            _table.PrefetchBucket(_table.HashOf(next));
    }

    private void ExpireTimeWait(int index, PacketTime deadline)
    {
        _current = index;
        ref var detail = ref _details[_table[index].Detail];
        if (detail.A.State == RfcState.TimeWait)
            TcpStateMachine.ExpireTimeWait(ref detail.A, Side.A, deadline, this);
        if (detail.B.State == RfcState.TimeWait)
            TcpStateMachine.ExpireTimeWait(ref detail.B, Side.B, deadline, this);
        _current = -1;
        if (detail.A.State is RfcState.Closed or RfcState.Listen && detail.B.State is RfcState.Closed or RfcState.Listen)
            Finish(index, FinishReason.TimeWaitExpired);
        else
            Requeue(index, deadline);
    }

    private void EvictOne()
    {
        foreach (var queue in (ReadOnlySpan<ExpiryQueue>)[ExpiryQueue.Closed, ExpiryQueue.Handshake, ExpiryQueue.TimeWait, ExpiryQueue.Active])
        {
            int index = _table.Oldest(queue);
            if (index != ConnectionTable.None)
            {
                // A full table evicts once per new connection, oldest first.
                int next = PrefetchNextInQueue(index);
                if (ConnectionTable.IsPacked(index))
                    index = Unpack(index);
                Finish(index, FinishReason.Evicted);
                PrefetchBucketIfOldest(next, queue);
                return;
            }
        }
    }

    private void Finish(int index, FinishReason reason)
    {
        int previous = _current;
        Expand(index);
        _current = index;
        ref var connection = ref _table[index];
        ref var detail = ref _details[connection.Detail];
        TcpStateMachine.Settle(ref detail.A, ref detail.B, this);
        if (reason == FinishReason.EndOfInput)
            ExpireSettledTimeWait(connection, ref detail);
        _finished[(int)reason]++;
        var view = new ConnectionView(ref connection, ref detail, _transitions, reason);
        foreach (var observer in _observers)
            observer.OnFinished(view);
        _sink.OnConnection(view);
        _transitions.Release(ref detail);
        _ranges.Clear(ref detail.Zeek.A.OutOfOrder);
        _ranges.Clear(ref detail.Zeek.B.OutOfOrder);
        _details.Return(connection.Detail);
        connection.Detail = Connection.NoDetail;
        if (reason == FinishReason.EndOfInput)
            _table.RemoveBeforeClear(index);
        else
            _table.Remove(index);
        _current = previous == index ? -1 : previous;
    }

    /// <summary>
    /// At the end of the input, a TIME_WAIT whose 2MSL has passed on the packet clock (it may have been entered only
    /// now, when settling) ends; one still within 2MSL stays TIME_WAIT, the state the capture last showed.
    /// </summary>
    private void ExpireSettledTimeWait(in Connection connection, ref ConnectionDetail detail)
    {
        for (var side = Side.A; side <= Side.B; side++)
        {
            ref var endpoint = ref detail.Endpoint(side);
            if (endpoint.State != RfcState.TimeWait)
                continue;
            var started = connection.Queue == ExpiryQueue.TimeWait
                ? PacketTime.Max(detail.TimeWaitAnchor, endpoint.LastTransitionTime)
                : endpoint.LastTransitionTime;
            var deadline = started.AddNanoseconds(_timeWaitNs);
            if (deadline <= Clock)
                TcpStateMachine.ExpireTimeWait(ref endpoint, side, deadline, this);
        }
    }

    void IStateMachineListener.OnTransition(Side side, RfcState from, RfcState to, PacketTime time)
    {
        ref var connection = ref _table[_current];
        ref var detail = ref _details[connection.Detail];
        if (Options.RecordTransitions && !_transitions.TryAppend(ref detail, side, from, to, time))
            connection.Flags |= ConnectionFlags.TransitionsTruncated;
        if (to == RfcState.Established)
            connection.ReachedEstablished = true;
        if (_observers.Length > 0)
        {
            var view = new ConnectionView(ref connection, ref detail, _transitions, FinishReason.Open);
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
            var view = new ConnectionView(ref connection, ref _details[connection.Detail], _transitions, FinishReason.Open);
            foreach (var observer in _observers)
                observer.OnNote(view, note, side == connection.Originator, time);
        }
    }

    /// <summary>
    /// Rebuilds a held connection's detail by feeding its SYN again to Zeek's model and the state machine: once at
    /// its first time and, if it was retransmitted, once more at its last. Observers saw all of it the first time;
    /// the replay only records the transitions again.
    /// </summary>
    private sealed class SynReplay(ConnectionTracker tracker) : IStateMachineListener
    {
        /// <summary>Where <see cref="ForEachConnection"/> rebuilds a held connection, outside the pool.</summary>
        public ConnectionDetail Scratch;

        private bool _toScratch;
        private int _target;

        public void Rebuild(ref Connection connection, ref ConnectionDetail detail)
        {
            _toScratch = System.Runtime.CompilerServices.Unsafe.AreSame(ref detail, ref Scratch);
            _target = connection.Detail;
            ConnectionDetail.Reset(ref detail);
            detail.Zeek.LastTime = connection.FirstSeen;

            var sender = connection.Originator;
            uint synsSent = connection.PacketsFrom(sender);
            Feed(ref connection, ref detail, connection.Syn.ToSegment(connection.Key, sender, connection.FirstSeen));
            if (synsSent > 1)
                Feed(ref connection, ref detail, connection.Syn.ToSegment(connection.Key, sender, connection.LastSeen));
        }

        private void Feed(ref Connection connection, ref ConnectionDetail detail, in TcpSegment syn)
        {
            var sender = connection.Originator;
            ZeekTcpModel.Process(ref detail.Zeek, ref connection.Originator, sender, syn, tracker._ranges);
            TcpStateMachine.OnSegment(ref detail.Endpoint(sender), ref detail.Endpoint(sender.Other()), sender, syn, this);
        }

        void IStateMachineListener.OnTransition(Side side, RfcState from, RfcState to, PacketTime time)
        {
            if (tracker.Options.RecordTransitions)
                tracker._transitions.TryAppend(ref _toScratch ? ref Scratch : ref tracker._details[_target], side, from, to, time);
        }

        void IStateMachineListener.OnNote(StateMachineNote note, Side side, PacketTime time)
        {
        }
    }
}
