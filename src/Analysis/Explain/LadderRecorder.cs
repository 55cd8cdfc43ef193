using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Explain;

/// <summary>
/// Watches an analysis run and records, for the connections asked for, every packet, each side's state changes and
/// the notable events, then builds their <see cref="ConnectionLadder"/>s. Other connections cost one uid per
/// connection (to match and list them) and nothing per packet beyond a few comparisons.
/// <para>
/// A received SYN or FIN changes the receiver's state only once the receiver shows it arrived, with the time the
/// segment was seen (see <see cref="TcpStateMachine"/>), so a change can be reported packets later than the packet that
/// caused it. Each change is therefore placed at the packet whose time it carries, preferring, among packets with the
/// same timestamp, one sent by the endpoint whose action it is (its own SYN, FIN or RST; the peer's segment for
/// what it received). Changes no packet caused (TIME_WAIT's 2MSL) become timer rows.
/// </para>
/// </summary>
public sealed class LadderRecorder : IConnectionObserver
{
    private readonly ConnectionSelector? _selector;
    private readonly long _onlyId;
    private readonly bool _listAll;
    private readonly double _timeWaitSeconds;
    private readonly Dictionary<long, Recording> _recordings = [];
    private readonly Dictionary<long, PacketTime> _firstSynAck = [];
    private readonly Dictionary<(IpAddress, ushort), double> _listenerRetransmitSeconds = [];
    private readonly List<ListedConnection> _connections = [];
    private readonly List<ListedConnection> _matches = [];
    private long _newestId = -1;
    private PacketTime _clock;

    private LadderRecorder(ConnectionSelector? selector, long onlyId, bool listAll, AnalysisOptions options)
    {
        _selector = selector;
        _onlyId = onlyId;
        _listAll = listAll;
        _timeWaitSeconds = options.TimeWaitSeconds;
    }

    /// <summary>Lists every connection, records none.</summary>
    public static LadderRecorder ListAll(AnalysisOptions options) => new(null, -1, listAll: true, options);

    /// <summary>Records the connections <paramref name="selector"/> names.</summary>
    public static LadderRecorder ForSelector(ConnectionSelector selector, AnalysisOptions options) =>
        new(selector, -1, listAll: false, options);

    /// <summary>Records the connection with this <see cref="ConnectionIdentity.Id"/> (a second run over the same input).</summary>
    public static LadderRecorder ForId(long id, AnalysisOptions options) => new(null, id, listAll: false, options);

    /// <summary>Every finished connection, in the order they finished (only when listing all).</summary>
    public IReadOnlyList<ListedConnection> Connections => _connections;

    /// <summary>
    /// The connections asked for. Each has its <see cref="ListedConnection.Ladder"/>, except one that matched only by
    /// its final uid (its roles flipped after it opened): run again with <see cref="ForId"/> for that one.
    /// </summary>
    public IReadOnlyList<ListedConnection> Matches => _matches;

    /// <summary>
    /// The input has ended and every connection has finished: judges SYN cookies, which needs the whole capture (a
    /// listener's retransmission delay, how long the capture ran on).
    /// </summary>
    public void Complete()
    {
        foreach (var match in _matches)
        {
            var ladder = match.Ladder;
            if (ladder is null) continue;
            ladder.CaptureEnd = _clock;
            double? listenerDelay = _listenerRetransmitSeconds.TryGetValue(
                (ladder.Identity.ResponderAddress, ladder.Identity.ResponderPort), out var delay) ? delay : null;
            if (SynCookieEvidence.Judge(ladder.Packets, listenerDelay, _clock) is { } cookie)
                ladder.Annotate(new LadderAnnotation
                {
                    Kind = LadderEventKind.SynCookie,
                    Time = ladder.Packets[cookie.SynAckIndex].Time,
                    Side = LadderSide.Responder,
                    PacketIndex = cookie.SynAckIndex,
                    SynCookie = cookie.Evidence,
                });
        }
    }

    public void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        NoticeNew(connection);
        TrackSynAck(connection, segment, facts);
        if (!_recordings.TryGetValue(connection.Id, out var recording))
            return;
        int index = recording.Packets.Count;
        var sender = facts.FromOriginator ? LadderSide.Originator : LadderSide.Responder;
        recording.Packets.Add(new LadderPacket
        {
            Index = index,
            Time = segment.Timestamp,
            FromOriginator = facts.FromOriginator,
            Flags = segment.Flags,
            Sequence = segment.Sequence,
            Acknowledgment = segment.Acknowledgment,
            PayloadLength = segment.PayloadLength,
            Window = segment.Window,
            WindowShift = facts.FromOriginator ? connection.Originator.WindowShift : connection.Responder.WindowShift,
            Options = segment.Options,
            Facts = facts,
        });
        foreach (var kind in EventsOf(facts, segment))
            recording.Annotations.Add(new LadderAnnotation { Kind = kind, Time = segment.Timestamp, Side = sender, PacketIndex = index });
    }

    public void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time)
    {
        NoticeNew(connection);
        if (_recordings.TryGetValue(connection.Id, out var recording))
            recording.Changes.Add(new ReportedChange(originator ? LadderSide.Originator : LadderSide.Responder, from, to, time,
                recording.Packets.Count));
    }

    public void OnNote(in ConnectionView connection, StateMachineNote note, bool originator, PacketTime time)
    {
        NoticeNew(connection);
        if (_recordings.TryGetValue(connection.Id, out var recording))
            recording.Notes.Add(new ReportedNote(note, originator ? LadderSide.Originator : LadderSide.Responder, time,
                recording.Packets.Count));
    }

    public void OnFinished(in ConnectionView connection)
    {
        NoticeNew(connection);
        _firstSynAck.Remove(connection.Id);
        _recordings.Remove(connection.Id, out var recording);
        bool wanted = _onlyId >= 0 ? connection.Id == _onlyId : _selector is not null;
        if (!_listAll && !wanted)
            return;

        // Named again at the end, as the records name it (a role flip changes the uid); the full record is built only
        // for a connection that is listed or asked for.
        var identity = connection.Identity;
        bool matches = _onlyId >= 0 ? connection.Id == _onlyId : _selector?.Matches(identity) == true;
        if (!_listAll && !matches)
            return;
        var listed = new ListedConnection(identity, connection.ToRecord());
        if (_listAll)
            _connections.Add(listed);
        if (matches)
        {
            listed.Ladder = recording?.Build(identity, listed.Record, _timeWaitSeconds);
            _matches.Add(listed);
        }
    }

    public void OnClock(PacketTime now) => _clock = now;

    /// <summary>
    /// The first call about a connection: decide, by the names it has when it opens, whether to record it (a uid or
    /// Community ID is computed here, once per connection, and only for a selector that needs it).
    /// </summary>
    private void NoticeNew(in ConnectionView connection)
    {
        if (connection.Id <= _newestId)
            return;
        _newestId = connection.Id;
        bool record = _onlyId >= 0
            ? connection.Id == _onlyId
            : _selector is not null && _selector.Matches(connection.Identity);
        if (record)
            _recordings[connection.Id] = new Recording();
    }

    /// <summary>Each listener's shortest SYN-ACK retransmission delay: the baseline the SYN-cookie test compares with.</summary>
    private void TrackSynAck(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        if (facts.FromOriginator || !segment.Has(TcpFlags.Syn) || !segment.Has(TcpFlags.Ack) || segment.Has(TcpFlags.Rst))
            return;
        if (!facts.RetransmittedSyn)
        {
            _firstSynAck.TryAdd(connection.Id, segment.Timestamp);
            return;
        }
        if (!_firstSynAck.TryGetValue(connection.Id, out var first))
            return;
        double delay = segment.Timestamp.SecondsSince(first);
        var listener = (connection.ResponderAddress, connection.ResponderPort);
        if (delay > 0 && (!_listenerRetransmitSeconds.TryGetValue(listener, out var shortest) || delay < shortest))
            _listenerRetransmitSeconds[listener] = delay;
    }

    private static IEnumerable<LadderEventKind> EventsOf(SegmentFacts facts, TcpSegment segment)
    {
        if (facts.BadChecksum) yield return LadderEventKind.BadChecksum;
        if (facts.RetransmittedSyn) yield return LadderEventKind.SynRetransmission;
        if (facts.Retransmission) yield return LadderEventKind.Retransmission;
        if (facts.KeepAlive) yield return LadderEventKind.KeepAlive;
        if (facts.ZeroWindowProbe) yield return LadderEventKind.ZeroWindowProbe;
        if (facts.ZeroWindow && !segment.Has(TcpFlags.Syn)) yield return LadderEventKind.ZeroWindow;
    }

    private readonly record struct ReportedChange(LadderSide Side, RfcState From, RfcState To, PacketTime Time, int ReportedAt);

    private readonly record struct ReportedNote(StateMachineNote Note, LadderSide Side, PacketTime Time, int ReportedAt);

    /// <summary>What was seen of one connection that was asked for.</summary>
    private sealed class Recording
    {
        public List<LadderPacket> Packets { get; } = [];
        public List<ReportedChange> Changes { get; } = [];
        public List<ReportedNote> Notes { get; } = [];
        public List<LadderAnnotation> Annotations { get; } = [];

        public ConnectionLadder Build(ConnectionIdentity identity, Records.ConnectionRecord record, double timeWaitSeconds)
        {
            var changes = new List<LadderStateChange>(Changes.Count);
            int originatorFloor = 0, responderFloor = 0;
            foreach (var change in Changes)
            {
                ref int floor = ref change.Side == LadderSide.Originator ? ref originatorFloor : ref responderFloor;
                int index = Place(change, floor);
                if (index >= 0) floor = index;
                changes.Add(new LadderStateChange(change.Side, change.From, change.To, change.Time, index));
            }

            var annotations = new List<LadderAnnotation>(Annotations);
            foreach (var note in Notes)
            {
                var kind = KindOf(note.Note);
                int index = PlaceNote(note);
                // Crossing SYNs or FINs are noted once per side; on the ladder they are one event of the connection.
                if (kind is LadderEventKind.SimultaneousOpen or LadderEventKind.SimultaneousClose)
                {
                    if (annotations.Exists(a => a.Kind == kind))
                        continue;
                    annotations.Add(new LadderAnnotation { Kind = kind, Time = note.Time, PacketIndex = index });
                }
                else
                    annotations.Add(new LadderAnnotation { Kind = kind, Time = note.Time, Side = note.Side, PacketIndex = index });
            }
            return new ConnectionLadder(identity, record, Packets, changes, annotations, timeWaitSeconds);
        }

        /// <summary>The packet a state change belongs to (see the class summary), or -1 when no packet carries its time.</summary>
        private int Place(in ReportedChange change, int floor)
        {
            int last = Math.Min(change.ReportedAt, Packets.Count - 1);
            int cause = -1, any = -1;
            for (int i = last; i >= floor; i--)
            {
                var packet = Packets[i];
                if (packet.Time != change.Time) continue;
                if (any < 0) any = i;
                if (IsCause(packet, change.Side, change.To))
                {
                    cause = i;
                    break;
                }
            }
            return cause >= 0 ? cause : any;
        }

        private int PlaceNote(in ReportedNote note)
        {
            int last = Math.Min(note.ReportedAt, Packets.Count - 1);
            for (int i = last; i >= 0; i--)
                if (Packets[i].Time == note.Time)
                    return i;
            for (int i = last; i >= 0; i--)
                if (Packets[i].Time <= note.Time)
                    return i;
            return Packets.Count > 0 ? 0 : -1;
        }

        /// <summary>
        /// Whether <paramref name="packet"/> is the kind of segment that moves <paramref name="side"/> into
        /// <paramref name="to"/>: its own SYN or FIN for SYN_SENT, FIN_WAIT_1 and LAST_ACK; any RST, or else the peer's
        /// segment, for CLOSED; the peer's segment (its SYN, FIN or ACK) for every other state.
        /// </summary>
        private static bool IsCause(in LadderPacket packet, LadderSide side, RfcState to) => to switch
        {
            RfcState.SynSent or RfcState.FinWait1 or RfcState.LastAck => packet.Sender == side,
            RfcState.Closed => packet.Has(TcpFlags.Rst) || packet.Sender != side,
            _ => packet.Sender != side,
        };

        private static LadderEventKind KindOf(StateMachineNote note) => note switch
        {
            StateMachineNote.SimultaneousOpen => LadderEventKind.SimultaneousOpen,
            StateMachineNote.SimultaneousClose => LadderEventKind.SimultaneousClose,
            StateMachineNote.FastOpen => LadderEventKind.FastOpen,
            StateMachineNote.SynWithData => LadderEventKind.SynWithData,
            StateMachineNote.IsnChanged => LadderEventKind.IsnChanged,
            StateMachineNote.BadSynAck => LadderEventKind.BadSynAck,
            StateMachineNote.BadHandshakeAck => LadderEventKind.BadHandshakeAck,
            StateMachineNote.RstOutOfWindow => LadderEventKind.RstOutOfWindow,
            StateMachineNote.TimeWaitRestarted => LadderEventKind.TimeWaitRestarted,
            _ => throw new ArgumentOutOfRangeException(nameof(note), note, null),
        };
    }
}
