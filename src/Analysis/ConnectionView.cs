using TcpState.Analysis.Connections;
using TcpState.Analysis.Records;
using TcpState.Analysis.Zeek;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis;

/// <summary>
/// A finished connection as sinks see it: read-only, computed on demand, valid only during the sink call.
/// Counting sinks read what they need without allocating; output sinks call <see cref="ToRecord"/>.
/// </summary>
public readonly ref struct ConnectionView
{
    private readonly ref readonly Connection _connection;
    private readonly ref readonly ConnectionDetail _detail;
    private readonly TransitionLog _transitions;

    internal ConnectionView(ref readonly Connection connection, ref readonly ConnectionDetail detail, TransitionLog transitions,
        FinishReason reason)
    {
        _connection = ref connection;
        _detail = ref detail;
        _transitions = transitions;
        FinishReason = reason;
    }

    /// <summary><see cref="FinishReason.Open"/> while the connection is still tracked.</summary>
    public FinishReason FinishReason { get; }

    public bool IsFinished => FinishReason != FinishReason.Open;

    /// <summary>A number unique to this connection within the run (its creation order); cheap, unlike <see cref="Uid"/>.</summary>
    public long Id => _connection.Ordinal;

    public PacketTime LastSeen => _connection.LastSeen;

    public EndpointSnapshot Originator => Snapshot(Orig);

    public EndpointSnapshot Responder => Snapshot(Resp);

    public ConnectionIdentity Identity =>
        new(Id, OriginatorAddress, OriginatorPort, ResponderAddress, ResponderPort, _connection.FirstSeen);

    public bool IsMidstream => (_connection.Flags & ConnectionFlags.Midstream) != 0;

    private Side Orig => _connection.Originator;
    private Side Resp => _connection.Originator.Other();

    public PacketTime Start => _connection.FirstSeen;

    public IpAddress OriginatorAddress => _connection.Key.Address(Orig);
    public ushort OriginatorPort => _connection.Key.Port(Orig);
    public IpAddress ResponderAddress => _connection.Key.Address(Resp);
    public ushort ResponderPort => _connection.Key.Port(Resp);

    /// <summary>Zeek's duration: from the first packet to the last one before both sides had closed.</summary>
    public double Duration => PacketTime.Max(_detail.Zeek.LastTime, _connection.FirstSeen).SecondsSince(_connection.FirstSeen);

    /// <summary>False when all the connection's packets share one timestamp: Zeek then leaves duration and byte counts unset.</summary>
    public bool HasDuration => IsDuration(Duration);

    /// <summary>Zeek writes a duration (and the byte counts with it) only when the packets' times differ.</summary>
    public static bool IsDuration(double seconds) => seconds > 0;

    public ulong OriginatorBytes => ZeekTcpModel.Size(_detail.Zeek.Get(Orig), _detail.Zeek.Get(Resp));
    public ulong ResponderBytes => ZeekTcpModel.Size(_detail.Zeek.Get(Resp), _detail.Zeek.Get(Orig));

    public ConnState ConnState => ConnStates.Classify(_detail.Zeek.Get(Orig).State, _detail.Zeek.Get(Resp).State,
        OriginatorBytes, ResponderBytes, _detail.Zeek.History);

    public ulong MissedBytes => _detail.Zeek.MissedBytes;

    public string History => _detail.Zeek.History.ToString();

    /// <summary>Characters <see cref="WriteHistory"/> may write.</summary>
    public const int MaxHistoryLength = ZeekHistory.Capacity;

    /// <summary>Writes <see cref="History"/> into <paramref name="text"/> without making a string; returns its length.</summary>
    public int WriteHistory(Span<char> text) => _detail.Zeek.History.CopyTo(text);

    public uint OriginatorPackets => Orig == Side.A ? _connection.PacketsA : _connection.PacketsB;
    public uint ResponderPackets => Orig == Side.A ? _connection.PacketsB : _connection.PacketsA;

    public RfcState OriginatorState => _detail.Get(Orig).State;
    public RfcState ResponderState => _detail.Get(Resp).State;

    public ConnectionFlags Flags => _connection.Flags |
        (_detail.Zeek.History.Truncated ? ConnectionFlags.HistoryTruncated : ConnectionFlags.None);

    /// <summary>Both endpoints' transitions in the order they happened; <see cref="IsOriginator"/> says whose each is.</summary>
    internal TransitionLog.Enumerator Transitions => _transitions.Enumerate(_detail);

    /// <summary>Everything tracked for the connection, for tests that check a packed one comes back byte for byte.</summary>
    internal ref readonly ConnectionDetail Detail => ref _detail;

    public bool IsOriginator(Side side) => side == Orig;

    /// <summary>Transitions <see cref="CopyTransitions"/> may copy for one endpoint.</summary>
    public const int MaxTransitions = TransitionLog.MaxPerConnection;

    /// <summary>Copies one endpoint's transitions, in order, into <paramref name="into"/>; returns how many.</summary>
    public int CopyTransitions(bool originator, Span<StateChange> into)
    {
        int count = 0;
        foreach (var t in Transitions)
            if (IsOriginator(t.Side) == originator)
                into[count++] = new StateChange(t.To, t.Time);
        return count;
    }

    public string Uid => ConnectionUid.For(_connection.Key, Orig, _connection.FirstSeen);

    /// <summary>Writes <see cref="Uid"/> into <paramref name="text"/> (<see cref="ConnectionUid.Length"/> characters) without making a string.</summary>
    public void WriteUid(Span<char> text) => Identity.WriteUid(text);

    public string CommunityId => Records.CommunityId.Compute(OriginatorAddress, OriginatorPort, ResponderAddress, ResponderPort);

    /// <summary>Writes <see cref="CommunityId"/> into <paramref name="text"/> (<see cref="Records.CommunityId.Length"/> characters) without making a string.</summary>
    public void WriteCommunityId(Span<char> text) =>
        Records.CommunityId.Write(OriginatorAddress, OriginatorPort, ResponderAddress, ResponderPort, text);

    private EndpointSnapshot Snapshot(Side side)
    {
        ref readonly var endpoint = ref _detail.Get(side);
        return new EndpointSnapshot
        {
            State = endpoint.State,
            HasIsn = endpoint.HasIsn,
            Isn = endpoint.Isn,
            SendNext = endpoint.SendNext,
            FinSent = endpoint.FinSent,
            FinSequence = endpoint.FinSequence,
            HasAcked = endpoint.HasAcked,
            LastAck = endpoint.LastAck,
            Window = endpoint.Window,
            WindowShift = endpoint.WindowShift,
            Packets = side == Side.A ? _connection.PacketsA : _connection.PacketsB,
        };
    }

    public ConnectionRecord ToRecord()
    {
        Span<StateChange> changes = stackalloc StateChange[MaxTransitions];
        var orig = changes[..CopyTransitions(originator: true, changes)].ToArray();
        var resp = changes[..CopyTransitions(originator: false, changes)].ToArray();

        double duration = Duration;
        bool hasDuration = IsDuration(duration);
        return new ConnectionRecord
        {
            Start = Start,
            Uid = Uid,
            OriginatorAddress = OriginatorAddress,
            OriginatorPort = OriginatorPort,
            ResponderAddress = ResponderAddress,
            ResponderPort = ResponderPort,
            Duration = hasDuration ? duration : null,
            OriginatorBytes = hasDuration ? OriginatorBytes : null,
            ResponderBytes = hasDuration ? ResponderBytes : null,
            ConnState = ConnState,
            MissedBytes = MissedBytes,
            History = History,
            OriginatorPackets = OriginatorPackets,
            ResponderPackets = ResponderPackets,
            CommunityId = CommunityId,
            OriginatorState = OriginatorState,
            ResponderState = ResponderState,
            OriginatorTransitions = orig,
            ResponderTransitions = resp,
            Flags = Flags,
            FinishReason = FinishReason,
        };
    }
}
