using TcpState.Capture;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// A connection-level anomaly the state machine notices on its own (a <see cref="StateMachineNote"/>): raised once
/// per connection, counted each time the note recurs.
/// </summary>
internal abstract class NoteDetector(AnomalyEngine engine, string id) : AnomalyDetector(engine)
{
    /// <summary>
    /// Connections with a listed anomaly of this kind, at most <see cref="DetectorLimits.MaxListedPerKind"/>: past the
    /// listing limit, a note on any other connection is only counted, with no anomaly built for nobody to read.
    /// </summary>
    private readonly HashSet<long> _listed = [];

    public override DetectorInterests Interests => DetectorInterests.Notes;

    protected abstract bool Matches(StateMachineNote note);

    /// <summary>The sentence for people; <paramref name="originator"/> is whether the originator's segment caused the note.</summary>
    protected abstract string Describe(in ConnectionView connection, StateMachineNote note, bool originator);

    public override void OnNote(in ConnectionView connection, StateMachineNote note, bool originator, PacketTime time)
    {
        if (!Matches(note) || Count(connection, time) is not { } anomaly)
            return;
        // The sentence is written once.
        if (!anomaly.Raised)
        {
            anomaly.Message = Describe(connection, note, originator);
            Engine.Raise(anomaly);
        }
    }

    /// <summary>Counts an occurrence described by <paramref name="message"/>, which is asked for only if it will be read.</summary>
    protected void Report<TState>(in ConnectionView connection, PacketTime time, Func<TState, string> message, TState state)
    {
        if (Count(connection, time) is not { } anomaly || anomaly.Raised)
            return;
        anomaly.Message = message(state);
        Engine.Raise(anomaly);
    }

    /// <summary>The connection's listed anomaly, counted once more; null when the occurrence is only counted (past the listing limit).</summary>
    private Anomaly? Count(in ConnectionView connection, PacketTime time)
    {
        if (Engine.OnlyCounts(id) && !_listed.Contains(connection.Id))
        {
            Engine.CountNotListed(id);
            return null;
        }
        var uid = connection.Uid;
        var anomaly = Engine.GetOrCreate(id, AnomalyLevel.Connection, uid, time);
        _listed.Add(connection.Id);
        anomaly.Count++;
        anomaly.AddEvidence(uid);
        return anomaly;
    }

    protected static string Side(in ConnectionView connection, bool originator) =>
        originator
            ? ConnectionIdentity.Format(connection.OriginatorAddress, connection.OriginatorPort)
            : ConnectionIdentity.Format(connection.ResponderAddress, connection.ResponderPort);
}
