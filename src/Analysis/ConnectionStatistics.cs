using TcpState.Analysis.Connections;
using TcpState.Analysis.Zeek;

namespace TcpState.Analysis;

/// <summary>
/// Counts finished connections by conn_state, by each side's final RFC state and by flag — what the summary shows.
/// Reads the views without materialising records, so it adds nothing to the per-packet cost.
/// </summary>
public sealed class ConnectionStatistics : IConnectionSink
{
    private readonly long[] _connStates = new long[Enum.GetValues<ConnState>().Length];
    private readonly long[] _originatorStates = new long[RfcStateNames.Count];
    private readonly long[] _responderStates = new long[RfcStateNames.Count];
    private readonly ConnectionFlags[] _flagValues = Enum.GetValues<ConnectionFlags>().Where(f => f != ConnectionFlags.None).ToArray();
    private readonly long[] _flags;

    public ConnectionStatistics()
    {
        _flags = new long[_flagValues.Length];
    }

    public long Connections { get; private set; }

    public void OnConnection(in ConnectionView connection)
    {
        Connections++;
        _connStates[(int)connection.ConnState]++;
        _originatorStates[(int)connection.OriginatorState]++;
        _responderStates[(int)connection.ResponderState]++;
        var flags = connection.Flags;
        for (int i = 0; i < _flagValues.Length; i++)
            if ((flags & _flagValues[i]) != 0)
                _flags[i]++;
    }

    public long WithConnState(ConnState state) => _connStates[(int)state];

    public long OriginatorsIn(RfcState state) => _originatorStates[(int)state];

    public long RespondersIn(RfcState state) => _responderStates[(int)state];

    public long WithFlag(ConnectionFlags flag) => _flags[Array.IndexOf(_flagValues, flag)];

    public IEnumerable<ConnectionFlags> Flags => _flagValues;
}

/// <summary>Passes each connection to several sinks in turn.</summary>
public sealed class FanOutSink(params IConnectionSink[] sinks) : IConnectionSink
{
    public void OnConnection(in ConnectionView connection)
    {
        foreach (var sink in sinks)
            sink.OnConnection(connection);
    }
}
