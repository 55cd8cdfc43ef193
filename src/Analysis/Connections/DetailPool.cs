namespace TcpState.Analysis.Connections;

/// <summary>
/// The <see cref="ConnectionDetail"/>s of the connections that have one, in one growable array with a free list:
/// renting and returning allocate nothing once the pool has grown. Returned entries are reused last-in first-out, so
/// the detail a held SYN borrows for one segment is the one still warm in the cache.
/// </summary>
internal sealed class DetailPool
{
    private ConnectionDetail[] _items = new ConnectionDetail[1024];
    private int[] _nextFree = new int[1024];
    private int _free = -1;
    private int _used;

    public int InUse { get; private set; }

    public ref ConnectionDetail this[int index] => ref _items[index];

    /// <summary>A detail reset to a fresh connection's: both endpoints and Zeek's model initial, no transitions.</summary>
    public int Rent()
    {
        int index;
        if (_free >= 0)
        {
            index = _free;
            _free = _nextFree[index];
        }
        else
        {
            if (_used == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
                Array.Resize(ref _nextFree, _nextFree.Length * 2);
            }
            index = _used++;
        }
        InUse++;
        ref var detail = ref _items[index];
        detail = default;
        detail.A = EndpointTrack.Initial;
        detail.B = EndpointTrack.Initial;
        detail.Zeek = Zeek.ZeekConnection.Initial;
        detail.TransitionHead = detail.TransitionTail = -1;
        return index;
    }

    public void Return(int index)
    {
        _nextFree[index] = _free;
        _free = index;
        InUse--;
    }
}
