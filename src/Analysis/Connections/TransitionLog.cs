using TcpState.Capture;

namespace TcpState.Analysis.Connections;

/// <summary>
/// Every connection's state transitions with their times, as linked entries in one growable array with a free
/// list: recording a transition allocates nothing once the log has grown to the number of live connections' needs.
/// </summary>
internal sealed class TransitionLog
{
    /// <summary>A connection normally makes about a dozen transitions; more are dropped and flagged.</summary>
    public const int MaxPerConnection = 64;

    private struct Entry
    {
        public PacketTime Time;
        public int Next;
        public Side Side;
        public RfcState From;
        public RfcState To;
    }

    private Entry[] _entries = new Entry[1024];
    private int _freeHead = -1;
    private int _used;

    public int EntriesInUse { get; private set; }

    public bool TryAppend(ref Connection connection, Side side, RfcState from, RfcState to, PacketTime time)
    {
        if (connection.TransitionCount >= MaxPerConnection)
        {
            connection.Flags |= ConnectionFlags.TransitionsTruncated;
            return false;
        }
        int index = Allocate();
        _entries[index] = new Entry { Time = time, Next = -1, Side = side, From = from, To = to };
        if (connection.TransitionCount == 0)
            connection.TransitionHead = index;
        else
            _entries[connection.TransitionTail].Next = index;
        connection.TransitionTail = index;
        connection.TransitionCount++;
        return true;
    }

    public void Release(ref Connection connection)
    {
        int index = connection.TransitionCount == 0 ? -1 : connection.TransitionHead;
        while (index >= 0)
        {
            int next = _entries[index].Next;
            _entries[index].Next = _freeHead;
            _freeHead = index;
            EntriesInUse--;
            index = next;
        }
        connection.TransitionCount = 0;
        connection.TransitionHead = connection.TransitionTail = -1;
    }

    public Enumerator Enumerate(in Connection connection) =>
        new(this, connection.TransitionCount == 0 ? -1 : connection.TransitionHead);

    private int Allocate()
    {
        EntriesInUse++;
        if (_freeHead >= 0)
        {
            int index = _freeHead;
            _freeHead = _entries[index].Next;
            return index;
        }
        if (_used == _entries.Length)
            Array.Resize(ref _entries, _entries.Length * 2);
        return _used++;
    }

    public struct Enumerator
    {
        private readonly TransitionLog _log;
        private int _next;

        internal Enumerator(TransitionLog log, int head)
        {
            _log = log;
            _next = head;
            Current = default;
        }

        public Transition Current { get; private set; }

        public bool MoveNext()
        {
            if (_next < 0) return false;
            ref var entry = ref _log._entries[_next];
            Current = new Transition(entry.Side, entry.From, entry.To, entry.Time);
            _next = entry.Next;
            return true;
        }

        public readonly Enumerator GetEnumerator() => this;
    }
}

/// <summary>One endpoint moved from one RFC state to another at a packet time.</summary>
public readonly record struct Transition(Side Side, RfcState From, RfcState To, PacketTime Time);
