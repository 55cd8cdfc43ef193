using System.Runtime.CompilerServices;

namespace TcpState.Analysis.Connections;

/// <summary>
/// The <see cref="ConnectionDetail"/>s of the connections that have one, in a <see cref="ChunkedPool{T}"/>: renting and
/// returning allocate nothing once the pool has grown, and the detail a held SYN borrows for one segment is the one
/// still warm in the cache.
/// </summary>
internal sealed class DetailPool
{
    private readonly ChunkedPool<ConnectionDetail> _details = new();

    public int InUse => _details.InUse;

    public ref ConnectionDetail this[int index] => ref _details[index];

    public void Prefetch(int index) => MemoryHint.Prefetch(ref this[index], Unsafe.SizeOf<ConnectionDetail>());

    /// <summary>A detail reset to a fresh connection's: both endpoints and Zeek's model initial, no transitions.</summary>
    public int Rent()
    {
        int index = _details.Rent();
        ConnectionDetail.Reset(ref this[index]);
        return index;
    }

    /// <summary>
    /// A detail left as it was returned, for a caller that resets and writes all of it next (unparking, replaying a held
    /// SYN): <see cref="Rent"/>'s reset would be done twice, 440 bytes per connection woken.
    /// </summary>
    public int RentForOverwrite() => _details.Rent();

    public void Return(int index) => _details.Return(index);
}
