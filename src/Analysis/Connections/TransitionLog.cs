using System.Runtime.CompilerServices;
using TcpState.Capture;

namespace TcpState.Analysis.Connections;

/// <summary>
/// Every connection's state transitions with their times, in blocks of <see cref="BlockSize"/> entries chained per
/// connection, kept in a <see cref="ChunkedPool{T}"/>: recording allocates nothing once the log has grown to the live
/// connections' needs, and a connection's transitions sit next to each other (a typical connection fits one or two
/// blocks), so writing and releasing them touches few cache lines.
/// </summary>
internal sealed class TransitionLog
{
    /// <summary>A connection normally makes about a dozen transitions; more are dropped and flagged.</summary>
    public const int MaxPerConnection = 64;

    /// <summary>
    /// Six, not eight: an open connection has made five transitions (SYN_SENT, ESTABLISHED; LISTEN, SYN_RCVD,
    /// ESTABLISHED) and a closed one about a dozen, so each fills its blocks (104 bytes) where eight left a third of
    /// one (136 bytes) or of two empty. At 1M concurrent, json: 346.6 -> 314.6 B per connection.
    /// </summary>
    public const int BlockSize = 6;

    private struct Entry
    {
        public PacketTime Time;
        public Side Side;
        public RfcState From;
        public RfcState To;
    }

    [InlineArray(BlockSize)]
    private struct Entries
    {
        private Entry _first;
    }

    private struct Block
    {
        public Entries Entries;
        /// <summary>The connection's next block, or -1.</summary>
        public int Next;
    }

    private readonly ChunkedPool<Block> _blocks = new();

    public int BlocksInUse => _blocks.InUse;

    /// <summary>Records a transition; false when the connection already has <see cref="MaxPerConnection"/>.</summary>
    public bool TryAppend(ref ConnectionDetail connection, Side side, RfcState from, RfcState to, PacketTime time)
    {
        int count = connection.TransitionCount;
        if (count >= MaxPerConnection)
            return false;
        if (count % BlockSize == 0)
        {
            int block = _blocks.Rent();
            _blocks[block].Next = -1;
            if (count == 0) connection.TransitionHead = block;
            else _blocks[connection.TransitionTail].Next = block;
            connection.TransitionTail = block;
        }
        _blocks[connection.TransitionTail].Entries[count % BlockSize] = new Entry { Time = time, Side = side, From = from, To = to };
        connection.TransitionCount++;
        return true;
    }

    public void Release(ref ConnectionDetail connection)
    {
        int block = connection.TransitionCount == 0 ? -1 : connection.TransitionHead;
        while (block >= 0)
        {
            int next = _blocks[block].Next;
            _blocks.Return(block);
            block = next;
        }
        connection.TransitionCount = 0;
        connection.TransitionHead = connection.TransitionTail = -1;
    }

    public Enumerator Enumerate(in ConnectionDetail connection) =>
        new(this, connection.TransitionCount == 0 ? -1 : connection.TransitionHead, connection.TransitionCount);

    public struct Enumerator
    {
        private readonly TransitionLog _log;
        private readonly int _count;
        private int _block;
        private int _index;

        internal Enumerator(TransitionLog log, int head, int count)
        {
            _log = log;
            _block = head;
            _count = count;
            _index = -1;
            Current = default;
        }

        public Transition Current { get; private set; }

        public bool MoveNext()
        {
            if (++_index >= _count) return false;
            if (_index > 0 && _index % BlockSize == 0)
                _block = _log._blocks[_block].Next;
            ref var entry = ref _log._blocks[_block].Entries[_index % BlockSize];
            Current = new Transition(entry.Side, entry.From, entry.To, entry.Time);
            return true;
        }

        public readonly Enumerator GetEnumerator() => this;
    }
}

/// <summary>One endpoint moved from one RFC state to another at a packet time.</summary>
public readonly record struct Transition(Side Side, RfcState From, RfcState To, PacketTime Time);
