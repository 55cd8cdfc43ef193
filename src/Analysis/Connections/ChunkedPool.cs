using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TcpState.Analysis.Connections;

/// <summary>
/// Structs handed out by index from fixed-size chunks, with a free list: renting and returning allocate nothing once
/// the pool has grown, and returned entries are reused last-in first-out, so the next one rented is still warm in the
/// cache. The <see cref="DetailPool"/>, the <see cref="ParkedPool"/> and the <see cref="TransitionLog"/> keep their
/// entries here.
/// <para>
/// Chunks, not one array that doubles. A doubling allocates a new array twice the size and copies the old one in, so at
/// that moment both are held, and afterwards up to half of the new one is unused. With a million connections open the
/// memory probe's peak working set was 896 MB with a doubling detail array and 683 MB with chunks; `read --format json`
/// on a 2M-packet trace peaked at 195 MB with a doubling transition log and 177 MB with chunks.
/// </para>
/// <para>
/// The free list runs through the returned entries themselves (their first four bytes), not a side array: an entry is
/// returned right after it was last used and rented right before it is written, so following the list touches only
/// memory that is in cache anyway, where a side array indexed by entry was a cache miss per return.
/// </para>
/// </summary>
internal sealed class ChunkedPool<T> where T : unmanaged
{
    /// <summary>Entries per chunk (a power of two).</summary>
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private T[][] _chunks = [];
    private int _capacity;
    private int _free = -1;
    private int _used;

    public int InUse { get; private set; }

    /// <summary>Entries ever handed out since the pool was made or cleared: every index in use is below it.</summary>
    public int Allocated => _used;

    // Every chunk holds exactly ChunkSize entries and the mask keeps the offset below it, so only the chunk lookup
    // needs its bounds checked; the second check cost a flood 5% (1.00 -> 0.95 s on a 1M-SYN flood). A wrong index
    // still fails: past the chunk array it is out of range, and a chunk not yet added is null (NullReferenceException).
    public ref T this[int index] =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_chunks[index >> ChunkShift]), index & ChunkMask);

    static ChunkedPool()
    {
        if (Unsafe.SizeOf<T>() < sizeof(int))
            throw new NotSupportedException($"{typeof(T).Name} is too small to hold the free list's link");
    }

    /// <summary>
    /// An entry's index. The entry holds what it held when last returned, but for its first four bytes (the free list's
    /// link); default when new. Every user writes the entry before reading it.
    /// </summary>
    public int Rent()
    {
        int index;
        if (_free >= 0)
        {
            index = _free;
            _free = NextFree(index);
        }
        else
        {
            if (_used == _capacity)
                AddChunk();
            index = _used++;
        }
        InUse++;
        return index;
    }

    public void Return(int index)
    {
        NextFree(index) = _free;
        _free = index;
        InUse--;
    }

    /// <summary>Takes every entry back at once, keeping the chunks.</summary>
    public void Clear()
    {
        _free = -1;
        _used = 0;
        InUse = 0;
    }

    private ref int NextFree(int index) => ref Unsafe.As<T, int>(ref this[index]);

    private void AddChunk()
    {
        int chunks = _capacity >> ChunkShift;
        if (chunks == _chunks.Length)
            Array.Resize(ref _chunks, Math.Max(4, chunks * 2));
        _chunks[chunks] = new T[ChunkSize];
        _capacity += ChunkSize;
    }
}
