namespace TcpState.Analysis.Zeek;

/// <summary>
/// Out-of-order data ranges for all connections, as linked nodes in one growable array with a free list, so that
/// gap tracking allocates nothing once the pool has grown to the trace's needs. Only the ranges are kept, never
/// the bytes. Each endpoint keeps at most <see cref="MaxRangesPerEndpoint"/>; beyond that the earliest are
/// treated as delivered, which can only under-report a gap.
/// </summary>
internal sealed class DataRangePool
{
    public const int MaxRangesPerEndpoint = 8;

    private struct Node
    {
        public ulong Start;
        public ulong End;
        public int Next;
    }

    private Node[] _nodes = new Node[64];
    private int _freeHead = -1;
    private int _used;

    public int NodesInUse { get; private set; }

    public ulong Start(int node) => _nodes[node].Start;
    public ulong End(int node) => _nodes[node].End;
    public int Next(int node) => _nodes[node].Next;

    /// <summary>Adds [start, end) to the sorted list at <paramref name="head"/>, merging overlaps.</summary>
    public void Insert(ref int head, ulong start, ulong end)
    {
        int previous = -1, current = head, count = 0;
        while (current >= 0 && _nodes[current].End < start)
        {
            previous = current;
            current = _nodes[current].Next;
            count++;
        }
        if (current >= 0 && _nodes[current].Start <= end)
        {
            // Overlaps or touches: widen this node and swallow the ones it now reaches.
            _nodes[current].Start = Math.Min(_nodes[current].Start, start);
            _nodes[current].End = Math.Max(_nodes[current].End, end);
            int next = _nodes[current].Next;
            while (next >= 0 && _nodes[next].Start <= _nodes[current].End)
            {
                _nodes[current].End = Math.Max(_nodes[current].End, _nodes[next].End);
                int after = _nodes[next].Next;
                Free(next);
                next = after;
            }
            _nodes[current].Next = next;
            return;
        }
        int node = Allocate();
        _nodes[node] = new Node { Start = start, End = end, Next = current };
        if (previous < 0) head = node;
        else _nodes[previous].Next = node;
        while (current >= 0) { count++; current = _nodes[current].Next; }
        if (count + 1 > MaxRangesPerEndpoint)
            RemoveFirst(ref head);
    }

    public void RemoveFirst(ref int head)
    {
        int next = _nodes[head].Next;
        Free(head);
        head = next;
    }

    public void Clear(ref int head)
    {
        while (head >= 0)
            RemoveFirst(ref head);
    }

    private int Allocate()
    {
        NodesInUse++;
        if (_freeHead >= 0)
        {
            int node = _freeHead;
            _freeHead = _nodes[node].Next;
            return node;
        }
        if (_used == _nodes.Length)
            Array.Resize(ref _nodes, _nodes.Length * 2);
        return _used++;
    }

    private void Free(int node)
    {
        NodesInUse--;
        _nodes[node].Next = _freeHead;
        _freeHead = node;
    }
}
