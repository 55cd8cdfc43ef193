using TcpState.Capture;

namespace TcpState.Analysis.Anomalies;

/// <summary>
/// How many events happened in the last <c>window</c> of packet time. Keeps at most <c>cap</c> event times: past the
/// cap the count stays at the cap, which is all a threshold check needs, so a flood cannot grow it without bound.
/// </summary>
internal sealed class SlidingWindow(double windowSeconds, int cap)
{
    private readonly Queue<long> _times = new();
    private readonly long _windowNs = (long)Math.Round(windowSeconds * PacketTime.NanosecondsPerSecond);

    public int Add(PacketTime time)
    {
        Trim(time);
        if (_times.Count == cap)
            _times.Dequeue();
        _times.Enqueue(time.UnixNanoseconds);
        return _times.Count;
    }

    public void Clear() => _times.Clear();

    public int CountAt(PacketTime now)
    {
        Trim(now);
        return _times.Count;
    }

    private void Trim(PacketTime now)
    {
        while (_times.Count > 0 && _times.Peek() < now.UnixNanoseconds - _windowNs)
            _times.Dequeue();
    }
}

/// <summary>An address and port, as a dictionary key for per-listener and per-destination counts.</summary>
public readonly record struct EndpointKey(Capture.Decoding.IpAddress Address, ushort Port)
{
    public override string ToString() => ConnectionIdentity.Format(Address, Port);
}

/// <summary>
/// The connections that led up to a threshold, kept (as cheap identities, at most <see cref="Anomaly.MaxEvidence"/>)
/// until the anomaly is raised, so its evidence starts with the first of them rather than the one that crossed it.
/// </summary>
internal sealed class EarlyEvidence
{
    private readonly List<ConnectionIdentity> _connections = [];

    public void Remember(ConnectionIdentity connection)
    {
        if (_connections.Count == Anomaly.MaxEvidence)
            return;
        // Most entries remember a few connections and stay at the list's first four; one that goes past them is grown
        // to the cap at once, not doubled to 8, 16 and 32: one array more instead of three, and 20 entries held, not 32.
        if (_connections.Count == _connections.Capacity && _connections.Count > 0)
            _connections.Capacity = Anomaly.MaxEvidence;
        _connections.Add(connection);
    }

    public void Clear() => _connections.Clear();

    /// <summary>Moves what was remembered into the anomaly's evidence.</summary>
    public void MoveTo(Anomaly anomaly)
    {
        foreach (var connection in _connections)
            anomaly.AddEvidence(connection);
        _connections.Clear();
    }
}
