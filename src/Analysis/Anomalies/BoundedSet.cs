namespace TcpState.Analysis.Anomalies;

/// <summary>What one detector's <see cref="BoundedSet{T}"/>s may hold together (<see cref="DetectorLimits.MaxDistinctValues"/>).</summary>
internal sealed class SetBudget
{
    public int Used { get; set; }

    public bool IsSpent => Used >= DetectorLimits.MaxDistinctValues;
}

/// <summary>
/// Distinct values (sources, hosts, ports) recorded up to the set's own cap and the detector's shared
/// <see cref="SetBudget"/>; past either, values are no longer recorded and <see cref="Count"/> is a lower bound.
/// </summary>
internal sealed class BoundedSet<T>(int maxCount, SetBudget budget)
{
    private HashSet<T>? _values;

    public int Count => _values?.Count ?? 0;

    /// <summary>Some value was not recorded: <see cref="Count"/> is a lower bound.</summary>
    public bool Capped { get; private set; }

    public IEnumerable<T> Values => _values ?? [];

    public bool Contains(T value) => _values?.Contains(value) == true;

    public void Add(T value)
    {
        // Full and already capped: nothing can change until Release, so the lookup a flood would pay per packet is spared.
        if (Capped && Count >= maxCount)
            return;
        if (Contains(value))
            return;
        if (Count >= maxCount || budget.IsSpent)
        {
            Capped = true;
            return;
        }
        (_values ??= []).Add(value);
        budget.Used++;
    }

    /// <summary>
    /// Empties the set and gives its share of the budget back; its owner is being forgotten. A small set is kept for the
    /// owner's next key, a large one dropped rather than held.
    /// </summary>
    public void Release()
    {
        budget.Used -= Count;
        if (_values is { Count: <= KeptOnRelease })
            _values.Clear();
        else
            _values = null;
        Capped = false;
    }

    private const int KeptOnRelease = 64;
}
