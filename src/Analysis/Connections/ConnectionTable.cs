using TcpState.Capture;

namespace TcpState.Analysis.Connections;

/// <summary>
/// The live connections: a slot array of <see cref="Connection"/> structs, a chained hash index over their keys,
/// and four FIFO expiry queues threaded through the slots. Looking up, adding, removing and requeueing a
/// connection are O(1) and allocate nothing once the arrays have grown; they grow by doubling up to the cap.
/// </summary>
internal sealed class ConnectionTable
{
    private const int InitialCapacity = 1024;

    private Connection[] _slots = new Connection[InitialCapacity];
    private int[] _buckets = NewBuckets(InitialCapacity * 2);
    private int _bucketMask = InitialCapacity * 2 - 1;
    private int _freeSlot = -1;
    private int _usedSlots;

    private readonly int[] _queueHeads = [-1, -1, -1, -1, -1];
    private readonly int[] _queueTails = [-1, -1, -1, -1, -1];

    /// <summary>The first connection in the Active queue the parking sweep has not looked at yet, or -1.</summary>
    private int _parkCursor = -1;

    public ConnectionTable(int maxConnections)
    {
        MaxConnections = Math.Max(1, maxConnections);
    }

    public int MaxConnections { get; }

    public int Count { get; private set; }

    public int PeakCount { get; private set; }

    public bool IsFull => Count >= MaxConnections;

    public ref Connection this[int index] => ref _slots[index];

    /// <summary>Asks the CPU to start loading the hash bucket of a key with this hash; see <see cref="MemoryHint"/>.</summary>
    public void PrefetchBucket(int hash) => MemoryHint.Prefetch(ref _buckets[hash & _bucketMask]);

    /// <summary>
    /// Starts loading the first slot chained from the bucket (already prefetched), and returns that slot's index or -1.
    /// Most buckets hold at most one connection, so this is the slot the lookup will compare.
    /// </summary>
    public int PrefetchFirstSlot(int hash)
    {
        int index = _buckets[hash & _bucketMask];
        if (index >= 0)
            MemoryHint.Prefetch(ref _slots[index]);
        return index;
    }

    public void PrefetchSlot(int index) => MemoryHint.Prefetch(ref _slots[index]);

    public int Find(in ConnectionKey key)
    {
        int index = _buckets[key.GetHashCode() & _bucketMask];
        while (index >= 0)
        {
            ref var slot = ref _slots[index];
            if (slot.Key.Equals(key))
                return index;
            index = slot.NextInBucket;
        }
        return -1;
    }

    /// <summary>Adds a connection (the caller ensures there is room) and returns its slot, reset to defaults.</summary>
    public int Add(in ConnectionKey key)
    {
        int index;
        if (_freeSlot >= 0)
        {
            index = _freeSlot;
            _freeSlot = _slots[index].NextInBucket;
        }
        else
        {
            if (_usedSlots == _slots.Length)
                Grow();
            index = _usedSlots++;
        }

        ref var slot = ref _slots[index];
        slot = default;
        slot.Key = key;
        slot.InUse = true;
        slot.Detail = Connection.NoDetail;
        slot.QueuePrevious = slot.QueueNext = -1;
        int bucket = key.GetHashCode() & _bucketMask;
        slot.NextInBucket = _buckets[bucket];
        _buckets[bucket] = index;
        Count++;
        if (Count > PeakCount) PeakCount = Count;
        return index;
    }

    public void Remove(int index)
    {
        ref var slot = ref _slots[index];
        Dequeue(index);
        int bucket = slot.Key.GetHashCode() & _bucketMask;
        if (_buckets[bucket] == index)
            _buckets[bucket] = slot.NextInBucket;
        else
        {
            int previous = _buckets[bucket];
            while (_slots[previous].NextInBucket != index)
                previous = _slots[previous].NextInBucket;
            _slots[previous].NextInBucket = slot.NextInBucket;
        }
        slot.InUse = false;
        slot.NextInBucket = _freeSlot;
        _freeSlot = index;
        Count--;
    }

    /// <summary>
    /// Takes a connection out while the whole table is being emptied, <see cref="Clear"/> to follow: it leaves the
    /// hash chain and expiry queue as they are rather than unlink each connection at a cache miss or two apiece.
    /// Lookups are wrong until the clear; visits over <see cref="InUse"/> skip it at once.
    /// </summary>
    public void RemoveBeforeClear(int index)
    {
        _slots[index].InUse = false;
        Count--;
    }

    /// <summary>Empties the table (keeping its arrays); every slot must already be out of use.</summary>
    public void Clear()
    {
        Array.Fill(_buckets, -1);
        Array.Fill(_queueHeads, -1);
        Array.Fill(_queueTails, -1);
        _parkCursor = -1;
        _freeSlot = -1;
        _usedSlots = 0;
        Count = 0;
    }

    /// <summary>Moves a connection to the tail of <paramref name="queue"/>: its timer restarts now.</summary>
    public void Enqueue(int index, ExpiryQueue queue)
    {
        Dequeue(index);
        ref var slot = ref _slots[index];
        slot.Queue = queue;
        int q = (int)queue;
        slot.QueuePrevious = _queueTails[q];
        slot.QueueNext = -1;
        if (_queueTails[q] >= 0) _slots[_queueTails[q]].QueueNext = index;
        else _queueHeads[q] = index;
        _queueTails[q] = index;
        if (queue == ExpiryQueue.Active && _parkCursor < 0)
            _parkCursor = index;
    }

    /// <summary>The connection that has waited longest in <paramref name="queue"/>, or -1.</summary>
    public int Oldest(ExpiryQueue queue) => _queueHeads[(int)queue];

    /// <summary>
    /// The longest-idle connection in the Active queue not yet offered for parking, or -1. The queue is in order of
    /// last activity, so a sweep from here stops at the first connection that is not idle long enough; a connection
    /// that is active again moves to the tail, behind the cursor, and is offered again when it is idle again.
    /// </summary>
    public int NextToPark => _parkCursor;

    /// <summary>Moves past <see cref="NextToPark"/>.</summary>
    public void SkipNextToPark() => _parkCursor = _slots[_parkCursor].QueueNext;

    /// <summary>Slots in use, in no particular order (for the final flush).</summary>
    public IEnumerable<int> InUse()
    {
        for (int i = 0; i < _usedSlots; i++)
            if (_slots[i].InUse)
                yield return i;
    }

    private void Dequeue(int index)
    {
        ref var slot = ref _slots[index];
        if (slot.Queue == ExpiryQueue.None) return;
        int q = (int)slot.Queue;
        if (index == _parkCursor)
            _parkCursor = slot.QueueNext;
        if (slot.QueuePrevious >= 0) _slots[slot.QueuePrevious].QueueNext = slot.QueueNext;
        else _queueHeads[q] = slot.QueueNext;
        if (slot.QueueNext >= 0) _slots[slot.QueueNext].QueuePrevious = slot.QueuePrevious;
        else _queueTails[q] = slot.QueuePrevious;
        slot.Queue = ExpiryQueue.None;
        slot.QueuePrevious = slot.QueueNext = -1;
    }

    private void Grow()
    {
        int capacity = _slots.Length * 2;
        Array.Resize(ref _slots, capacity);
        _buckets = NewBuckets(capacity * 2);
        _bucketMask = capacity * 2 - 1;
        for (int i = 0; i < _usedSlots; i++)
        {
            ref var slot = ref _slots[i];
            if (!slot.InUse) continue;
            int bucket = slot.Key.GetHashCode() & _bucketMask;
            slot.NextInBucket = _buckets[bucket];
            _buckets[bucket] = i;
        }
    }

    private static int[] NewBuckets(int count)
    {
        var buckets = new int[count];
        Array.Fill(buckets, -1);
        return buckets;
    }
}
