namespace TcpState.Analysis;

/// <summary>
/// A count of items one thread has handed over through a ring, which the other thread waits on. The advancing side
/// pays a fenced write and a read per item, and a wake-up only when the other side has said it waits for the value
/// just reached: a waiter that asks to resume only once much has changed (half a ring) is woken that seldom.
/// </summary>
public sealed class HandOffCounter : IDisposable
{
    private long _value;
    /// <summary>The value the waiting side waits for; 0 while it does not wait.</summary>
    private long _awaited;
    private readonly ManualResetEventSlim _reached = new(false);

    public long Value => Volatile.Read(ref _value);

    public void Advance(long value)
    {
        // Both sides write, then read what the other wrote, with a full fence between: either the waiter sees the new
        // value and does not wait, or this side sees what it waits for and wakes it.
        Interlocked.Exchange(ref _value, value);
        long awaited = Volatile.Read(ref _awaited);
        if (awaited != 0 && value >= awaited)
            Wake();
    }

    /// <summary>Wakes the waiting side whatever the count, to look at <c>abandoned</c>.</summary>
    public void Wake() => _reached.Set();

    /// <summary>
    /// Returns once the count is at least <paramref name="target"/>, or once <paramref name="abandoned"/> is set and
    /// <see cref="Wake"/> called.
    /// </summary>
    public void WaitFor(long target, ref bool abandoned)
    {
        while (true)
        {
            _reached.Reset();
            Interlocked.Exchange(ref _awaited, target);
            if (Volatile.Read(ref _value) >= target || Volatile.Read(ref abandoned))
                break;
            _reached.Wait();
        }
        Volatile.Write(ref _awaited, 0);
    }

    public void Dispose() => _reached.Dispose();
}
