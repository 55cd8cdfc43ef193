using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace TcpState.Fuzzing;

/// <summary>How often each mutation kind was applied, so a run shows that every kind was exercised.</summary>
internal sealed class MutationCounts
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts = new(StringComparer.Ordinal);

    public void Add(string kind)
    {
        var box = _counts.GetOrAdd(kind, static _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
    }

    public IEnumerable<(string Kind, long Count)> All =>
        _counts.Select(p => (p.Key, Interlocked.Read(ref p.Value.Value))).OrderBy(p => p.Key, StringComparer.Ordinal);
}
