using System.Runtime.CompilerServices;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Connections;

/// <summary>
/// The live connections: a slot array of <see cref="Connection"/> structs, a pool of <see cref="PackedConnection"/>s
/// (parked connections out of their slots; an IPv6 one's addresses in a pool beside it), a chained hash index over
/// both, and four FIFO expiry queues threaded through both. Looking up, adding, removing, requeueing, packing and
/// unpacking a connection are O(1) and allocate nothing once the arrays have grown.
/// <para>
/// Chains and queues link <em>handles</em>: a slot's index (0 and up), or a packed connection's (<see cref="PackedHandle"/>,
/// -2 and down); -1 ends a list. A connection packed or unpacked takes the other's place in its chain and its queue,
/// so the order of every queue, and with it the order connections expire in, is the one it would have been.
/// </para>
/// </summary>
internal sealed class ConnectionTable
{
    public const int None = -1;

    private const int InitialCapacity = 1024;

    private Connection[] _slots = new Connection[InitialCapacity];
    private readonly ChunkedPool<PackedConnection> _packed = new();
    private readonly ChunkedPool<AddressPair> _packedIpv6Addresses = new();
    private int[] _buckets = NewBuckets(InitialCapacity * 2);
    private int _bucketMask = InitialCapacity * 2 - 1;
    private int _freeSlot = -1;
    private int _usedSlots;

    private readonly int[] _queueHeads = [-1, -1, -1, -1, -1];
    private readonly int[] _queueTails = [-1, -1, -1, -1, -1];
    private readonly int[] _queueCounts = new int[5];

    /// <summary>The first connection in the Active queue the parking sweep has not looked at yet, or -1.</summary>
    private int _parkCursor = -1;

    public ConnectionTable(int maxConnections)
    {
        MaxConnections = Math.Max(1, maxConnections);
    }

    public int MaxConnections { get; }

    /// <summary>Connections tracked: in slots and packed.</summary>
    public int Count { get; private set; }

    public int PackedCount => _packed.InUse;

    public int PeakCount { get; private set; }

    public bool IsFull => Count >= MaxConnections;

    public ref Connection this[int index] => ref _slots[index];

    public static bool IsPacked(int handle) => handle < None;

    private static int PackedHandle(int packedIndex) => None - 1 - packedIndex;

    private static int PackedIndex(int handle) => None - 1 - handle;

    public ref PackedConnection Packed(int handle) => ref _packed[PackedIndex(handle)];

    /// <summary>Asks the CPU to start loading the hash bucket of a key with this hash; see <see cref="MemoryHint"/>.</summary>
    public void PrefetchBucket(int hash) => MemoryHint.Prefetch(ref _buckets[hash & _bucketMask]);

    /// <summary>
    /// Starts loading the first connection chained from the bucket (already prefetched), slot or packed, and returns its
    /// handle or <see cref="None"/>. Most buckets hold at most one connection, so this is the one the lookup will compare.
    /// </summary>
    public int PrefetchFirst(int hash)
    {
        int handle = _buckets[hash & _bucketMask];
        if (handle >= 0)
            MemoryHint.Prefetch(ref _slots[handle]);
        else if (handle != None)
            MemoryHint.Prefetch(ref Packed(handle), Unsafe.SizeOf<PackedConnection>());
        return handle;
    }

    /// <summary>Starts loading the connections before and after this one in its expiry queue.</summary>
    public void PrefetchQueueNeighbours(int handle)
    {
        int previous = QueuePrevious(handle), next = QueueNext(handle);
        if (previous != None) PrefetchEntry(previous);
        if (next != None) PrefetchEntry(next);
    }

    public void PrefetchEntry(int handle)
    {
        if (handle >= 0) MemoryHint.Prefetch(ref _slots[handle]);
        else MemoryHint.Prefetch(ref Packed(handle));
    }

    public void PrefetchSlot(int index) => MemoryHint.Prefetch(ref _slots[index]);

    /// <summary>The connection's handle: a slot's index, a packed connection's (<see cref="IsPacked"/>), or <see cref="None"/>.</summary>
    public int Find(in ConnectionKey key) => Find(key, key.GetHashCode());

    /// <summary><see cref="Find(in ConnectionKey)"/> for a caller that has the key's hash already.</summary>
    public int Find(in ConnectionKey key, int hash)
    {
        int handle = _buckets[hash & _bucketMask];
        while (handle != None)
        {
            if (handle >= 0)
            {
                ref var slot = ref _slots[handle];
                if (slot.Key.Equals(key))
                    return handle;
                handle = slot.NextInBucket;
            }
            else
            {
                ref var packed = ref Packed(handle);
                if (packed.HasIpv6Addresses ? MatchesIpv6(packed, key, hash) : packed.MatchesIpv4(key))
                    return handle;
                handle = packed.NextInBucket;
            }
        }
        return None;
    }

    /// <summary>Adds a connection (the caller ensures there is room) and returns its slot, reset to defaults.</summary>
    public int Add(in ConnectionKey key)
    {
        int index = RentSlot();
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
        if (Count > _buckets.Length / 2)
            Rehash(_buckets.Length * 2);
        return index;
    }

    public void Remove(int index)
    {
        ref var slot = ref _slots[index];
        Dequeue(index);
        ref int link = ref _buckets[slot.Key.GetHashCode() & _bucketMask];
        while (link != index)
            link = ref NextInBucket(link);
        link = slot.NextInBucket;
        ReturnSlot(index);
        Count--;
    }

    /// <summary>
    /// Moves a slot's connection, parked, into the packed pool: <paramref name="packed"/>, given the slot's addresses,
    /// takes its place in its hash chain and in its queue, and the slot is free again.
    /// </summary>
    public void Pack(int index, in PackedConnection packed)
    {
        int packedIndex = _packed.Rent();
        int handle = PackedHandle(packedIndex);
        ref var entry = ref _packed[packedIndex];
        entry = packed;
        ref readonly var key = ref _slots[index].Key;
        int hash = key.GetHashCode();
        if (key.AddressA.IsIpv4 && key.AddressB.IsIpv4)
        {
            entry.SetIpv4Addresses(key);
        }
        else
        {
            int addresses = _packedIpv6Addresses.Rent();
            _packedIpv6Addresses[addresses] = new AddressPair(key.AddressA, key.AddressB);
            entry.SetIpv6Addresses(hash, addresses);
        }
        TakePlace(index, handle, hash, _slots[index].Queue);
        ReturnSlot(index);
    }

    /// <summary>A packed connection's key.</summary>
    public ConnectionKey KeyOf(in PackedConnection packed)
    {
        if (!packed.HasIpv6Addresses)
            return packed.Ipv4Key;
        ref readonly var addresses = ref _packedIpv6Addresses[(int)packed.AddressB];
        return new ConnectionKey(addresses.A, packed.PortA, addresses.B, packed.PortB);
    }

    /// <summary>Writes a packed connection's slot fields into <paramref name="connection"/> (<see cref="PackedConnection.UnpackInto"/>).</summary>
    public void UnpackInto(int handle, ref Connection connection)
    {
        ref readonly var packed = ref Packed(handle);
        packed.UnpackInto(ref connection, KeyOf(packed));
    }

    /// <summary>
    /// Compares the key's hash first, which the packed connection holds in place of its addresses, so a lookup reads
    /// them (a cache miss) only for the one it finds.
    /// </summary>
    private bool MatchesIpv6(in PackedConnection packed, in ConnectionKey key, int hash) =>
        packed.AddressA == (uint)hash && packed.PortA == key.PortA && packed.PortB == key.PortB &&
        _packedIpv6Addresses[(int)packed.AddressB].Equals(new AddressPair(key.AddressA, key.AddressB));

    /// <summary>A packed IPv6 connection's addresses; the first four bytes are the pool's free-list link when returned.</summary>
    private readonly record struct AddressPair(IpAddress A, IpAddress B);

    /// <summary>Returns a packed connection's entry, and its addresses' if it has them apart, to their pools.</summary>
    private void ReturnPacked(int handle)
    {
        ref var packed = ref Packed(handle);
        if (packed.HasIpv6Addresses)
            _packedIpv6Addresses.Return((int)packed.AddressB);
        packed.Release();
        _packed.Return(PackedIndex(handle));
    }

    /// <summary>
    /// Moves a packed connection back into a slot, in its place in its hash chain and queue, and returns the slot: the
    /// connection's own fields, with no detail yet (the caller unpacks it from <see cref="Packed"/>, read before this).
    /// </summary>
    public int Unpack(int handle)
    {
        int index = RentSlot();
        UnpackInto(handle, ref _slots[index]);
        TakePlace(handle, index, _slots[index].Key.GetHashCode(), _slots[index].Queue);
        ReturnPacked(handle);
        return index;
    }

    /// <summary>
    /// Moves a packed connection into a slot linked nowhere, while the whole table is being emptied
    /// (<see cref="RemoveBeforeClear"/> and <see cref="Clear"/> to follow).
    /// </summary>
    public int UnpackBeforeClear(int handle)
    {
        int index = RentSlot();
        UnpackInto(handle, ref _slots[index]);
        _slots[index].Queue = ExpiryQueue.None;
        ReturnPacked(handle);
        return index;
    }

    /// <summary>
    /// Takes a connection out while the whole table is being emptied, <see cref="Clear"/> to follow: it leaves the
    /// hash chain and expiry queue as they are rather than unlink each connection at a cache miss or two apiece.
    /// Lookups are wrong until the clear; visits over <see cref="InUse"/> skip it at once. A slot in no queue (only
    /// <see cref="UnpackBeforeClear"/> leaves one so) is linked nowhere, and is free for the next.
    /// </summary>
    public void RemoveBeforeClear(int index)
    {
        ref var slot = ref _slots[index];
        slot.InUse = false;
        if (slot.Queue == ExpiryQueue.None)
            ReturnSlot(index);
        Count--;
    }

    /// <summary>
    /// Empties the table (keeping its arrays); every slot and packed connection must already be out of use, so no
    /// packed entry is left marked in use for a scan.
    /// </summary>
    public void Clear()
    {
        Array.Fill(_buckets, -1);
        Array.Fill(_queueHeads, -1);
        Array.Fill(_queueTails, -1);
        Array.Clear(_queueCounts);
        _packed.Clear();
        _packedIpv6Addresses.Clear();
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
        if (_queueTails[q] != None) QueueNext(_queueTails[q]) = index;
        else _queueHeads[q] = index;
        _queueTails[q] = index;
        _queueCounts[q]++;
        if (queue == ExpiryQueue.Active && _parkCursor == None)
            _parkCursor = index;
    }

    /// <summary>Connections waiting in <paramref name="queue"/>, in slots and packed.</summary>
    public int CountIn(ExpiryQueue queue) => _queueCounts[(int)queue];

    /// <summary>The connection that has waited longest in <paramref name="queue"/>: a handle, or <see cref="None"/>.</summary>
    public int Oldest(ExpiryQueue queue) => _queueHeads[(int)queue];

    /// <summary>The packet time of a connection's last packet, slot or packed.</summary>
    public PacketTime LastSeen(int handle) =>
        handle >= 0 ? _slots[handle].LastSeen : new PacketTime(Packed(handle).LastSeenNs);

    /// <summary>The next connection after this one in its expiry queue: a handle, or <see cref="None"/>.</summary>
    public int NextInQueue(int handle) => QueueNext(handle);

    /// <summary>The hash of a connection's key, slot or packed.</summary>
    public int HashOf(int handle) =>
        handle >= 0 ? _slots[handle].Key.GetHashCode() : HashOf(Packed(handle));

    /// <summary>An IPv6 connection holds its key's hash; an IPv4 one's is worked out from the addresses it holds.</summary>
    private static int HashOf(in PackedConnection packed) =>
        packed.HasIpv6Addresses ? (int)packed.AddressA : packed.Ipv4Key.GetHashCode();

    /// <summary>
    /// The longest-idle connection in the Active queue not yet offered for parking, or -1. The queue is in order of
    /// last activity, so a sweep from here stops at the first connection that is not idle long enough; a connection
    /// that is active again moves to the tail, behind the cursor, and is offered again when it is idle again. Packed
    /// connections are all before it: only the connection at the cursor is ever packed, and one unpacked goes to the
    /// tail or out.
    /// </summary>
    public int NextToPark => _parkCursor;

    /// <summary>Moves past <see cref="NextToPark"/>.</summary>
    public void SkipNextToPark() => _parkCursor = QueueNext(_parkCursor);

    /// <summary>Slots in use, in no particular order (for the final flush and looks at every connection).</summary>
    public IEnumerable<int> InUse()
    {
        for (int i = 0; i < _usedSlots; i++)
            if (_slots[i].InUse)
                yield return i;
    }

    /// <summary>Handles of the packed connections, in no particular order.</summary>
    public IEnumerable<int> PackedInUse()
    {
        for (int i = 0; i < _packed.Allocated; i++)
            if (_packed[i].InUse)
                yield return PackedHandle(i);
    }

    private ref int NextInBucket(int handle)
    {
        if (handle >= 0) return ref _slots[handle].NextInBucket;
        return ref Packed(handle).NextInBucket;
    }

    private ref int QueuePrevious(int handle)
    {
        if (handle >= 0) return ref _slots[handle].QueuePrevious;
        return ref Packed(handle).QueuePrevious;
    }

    private ref int QueueNext(int handle)
    {
        if (handle >= 0) return ref _slots[handle].QueueNext;
        return ref Packed(handle).QueueNext;
    }

    /// <summary><paramref name="to"/> takes <paramref name="from"/>'s place in its hash chain and in <paramref name="queue"/>.</summary>
    private void TakePlace(int from, int to, int hash, ExpiryQueue queue)
    {
        ref int link = ref _buckets[hash & _bucketMask];
        while (link != from)
            link = ref NextInBucket(link);
        link = to;
        NextInBucket(to) = NextInBucket(from);

        int q = (int)queue;
        int previous = QueuePrevious(from), next = QueueNext(from);
        QueuePrevious(to) = previous;
        QueueNext(to) = next;
        if (previous != None) QueueNext(previous) = to;
        else _queueHeads[q] = to;
        if (next != None) QueuePrevious(next) = to;
        else _queueTails[q] = to;
        if (_parkCursor == from)
            _parkCursor = to; // the Active queue's: no other queue's member is ever at it
    }

    private void Dequeue(int index)
    {
        ref var slot = ref _slots[index];
        if (slot.Queue == ExpiryQueue.None) return;
        int q = (int)slot.Queue;
        if (index == _parkCursor)
            _parkCursor = slot.QueueNext;
        if (slot.QueuePrevious != None) QueueNext(slot.QueuePrevious) = slot.QueueNext;
        else _queueHeads[q] = slot.QueueNext;
        if (slot.QueueNext != None) QueuePrevious(slot.QueueNext) = slot.QueuePrevious;
        else _queueTails[q] = slot.QueuePrevious;
        _queueCounts[q]--;
        slot.Queue = ExpiryQueue.None;
        slot.QueuePrevious = slot.QueueNext = -1;
    }

    private int RentSlot()
    {
        if (_freeSlot >= 0)
        {
            int free = _freeSlot;
            _freeSlot = _slots[free].NextInBucket;
            return free;
        }
        if (_usedSlots == _slots.Length)
            Array.Resize(ref _slots, _slots.Length * 2);
        return _usedSlots++;
    }

    private void ReturnSlot(int index)
    {
        ref var slot = ref _slots[index];
        slot.InUse = false;
        slot.NextInBucket = _freeSlot;
        _freeSlot = index;
    }

    /// <summary>
    /// Spreads the connections over more buckets. Sized by connections, slot or packed, at most one per two buckets on
    /// average. Both arrays are scanned in order, not the old chains walked, which would be a cache miss per connection.
    /// </summary>
    private void Rehash(int count)
    {
        _buckets = NewBuckets(count);
        _bucketMask = count - 1;
        for (int i = 0; i < _usedSlots; i++)
        {
            ref var slot = ref _slots[i];
            if (!slot.InUse) continue;
            ref int bucket = ref _buckets[slot.Key.GetHashCode() & _bucketMask];
            slot.NextInBucket = bucket;
            bucket = i;
        }
        for (int i = 0; i < _packed.Allocated; i++)
        {
            ref var packed = ref _packed[i];
            if (!packed.InUse) continue;
            ref int bucket = ref _buckets[HashOf(packed) & _bucketMask];
            packed.NextInBucket = bucket;
            bucket = PackedHandle(i);
        }
    }

    private static int[] NewBuckets(int count)
    {
        var buckets = new int[count];
        Array.Fill(buckets, -1);
        return buckets;
    }
}
