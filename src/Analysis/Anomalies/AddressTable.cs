using System.Diagnostics.CodeAnalysis;

namespace TcpState.Analysis.Anomalies;

/// <summary>
/// A detector's table keyed by what the traffic chooses (addresses, listeners, services), bounded. Once it holds
/// <see cref="DetectorLimits.MaxTrackedKeys"/> entries, adding a new key first forgets every entry the detector can
/// spare — one whose anomaly, if any, is not listed — and counts them in <see cref="Forgotten"/>: a flood can reset a
/// count still below its threshold, never grow the table. What must stay is bounded elsewhere (by the connection
/// table, or by <see cref="DetectorLimits.MaxListedPerKind"/>), and the next purge waits until the table has doubled
/// from what stayed, so even a table full of entries that must stay costs O(1) per new key, amortised.
/// </summary>
internal sealed class AddressTable<TKey, TValue>(Func<TValue, bool> canForget, Action<TValue>? onForget = null)
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _entries = [];
    private int _purgeAt = DetectorLimits.MaxTrackedKeys;

    public int Count => _entries.Count;

    /// <summary>Entries dropped by purges before they were reported.</summary>
    public long Forgotten { get; private set; }

    /// <summary>How many times the table was scanned for entries to forget.</summary>
    public int Purges { get; private set; }

    public TValue this[TKey key] => _entries[key];

    public IEnumerable<KeyValuePair<TKey, TValue>> Entries => _entries;

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => _entries.TryGetValue(key, out value);

    /// <summary>Adds a key that is not in the table, purging first when the table is full.</summary>
    public void Add(TKey key, TValue value)
    {
        if (_entries.Count >= _purgeAt)
            Purge();
        _entries.Add(key, value);
    }

    public bool Remove(TKey key) => _entries.Remove(key);

    private void Purge()
    {
        Purges++;
        foreach (var (key, value) in _entries)
        {
            if (!canForget(value))
                continue;
            onForget?.Invoke(value);
            _entries.Remove(key); // allowed while enumerating a Dictionary since .NET Core 3.0
            Forgotten++;
        }
        _purgeAt = Math.Max(DetectorLimits.MaxTrackedKeys, 2 * _entries.Count);
    }
}
