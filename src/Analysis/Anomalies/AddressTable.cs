using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TcpState.Analysis.Anomalies;

/// <summary>An <see cref="AddressTable{TKey, TValue}"/> entry: says whether it may be forgotten, and can start over.</summary>
internal interface IForgettable
{
    /// <summary>True when nothing in the entry must outlive a purge: no listed anomaly, nothing still counted in a window.</summary>
    bool CanForget { get; }

    /// <summary>Forgets everything, giving shared budgets back, so the object can serve another key.</summary>
    void Reset();
}

/// <summary>
/// A detector's table keyed by what the traffic chooses (addresses, listeners, services), bounded. Once it holds
/// <see cref="DetectorLimits.MaxTrackedKeys"/> entries, adding a new key first forgets every entry the detector can
/// spare (<see cref="IForgettable.CanForget"/>) and counts them in <see cref="Forgotten"/>: a flood can reset a count
/// still below its threshold, never grow the table. What must stay is bounded elsewhere (by the connection table, or
/// by <see cref="DetectorLimits.MaxListedPerKind"/>), and the next purge waits until the table has doubled from what
/// stayed, so even a table full of entries that must stay costs O(1) per new key, amortised.
/// <para>
/// Forgotten entries are reset and kept for the next new keys: traffic brings new clients and scanned ports all the
/// time, and once the table has filled and purged, they cost no allocation.
/// </para>
/// </summary>
internal sealed class AddressTable<TKey, TValue>
    where TKey : notnull
    where TValue : class, IForgettable
{
    private readonly Dictionary<TKey, TValue> _entries = [];
    private readonly Stack<TValue> _spare = new();
    private int _purgeAt = DetectorLimits.MaxTrackedKeys;

    public int Count => _entries.Count;

    /// <summary>Entries dropped by purges before they were reported.</summary>
    public long Forgotten { get; private set; }

    /// <summary>How many times the table was scanned for entries to forget.</summary>
    public int Purges { get; private set; }

    public TValue this[TKey key] => _entries[key];

    public IEnumerable<KeyValuePair<TKey, TValue>> Entries => _entries;

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => _entries.TryGetValue(key, out value);

    /// <summary>
    /// The entry for <paramref name="key"/>, added when missing (purging first when the table is full): a forgotten
    /// entry when one is spare, otherwise <paramref name="create"/>(<paramref name="state"/>). Pass a static lambda, so
    /// the call allocates no delegate.
    /// </summary>
    public TValue GetOrAdd<TState>(TKey key, Func<TState, TValue> create, TState state)
    {
        ref var existing = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
        if (!Unsafe.IsNullRef(ref existing))
            return existing;
        if (_entries.Count >= _purgeAt)
            Purge();
        var value = _spare.TryPop(out var spare) ? spare : create(state);
        _entries.Add(key, value);
        return value;
    }

    private void Purge()
    {
        Purges++;
        foreach (var (key, value) in _entries)
        {
            if (!value.CanForget)
                continue;
            value.Reset();
            _spare.Push(value);
            _entries.Remove(key); // allowed while enumerating a Dictionary since .NET Core 3.0
            Forgotten++;
        }
        _purgeAt = Math.Max(DetectorLimits.MaxTrackedKeys, 2 * _entries.Count);
    }
}
