using TcpState.Capture;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// A connection-level anomaly the state machine notices on its own (a <see cref="StateMachineNote"/>): raised once
/// per connection, counted each time the note recurs.
/// </summary>
internal abstract class NoteDetector(AnomalyEngine engine, string id) : AnomalyDetector(engine)
{
    public override DetectorInterests Interests => DetectorInterests.Notes;

    protected abstract bool Matches(StateMachineNote note);

    /// <summary>The sentence for people; <paramref name="originator"/> is whether the originator's segment caused the note.</summary>
    protected abstract string Describe(in ConnectionView connection, StateMachineNote note, bool originator);

    public override void OnNote(in ConnectionView connection, StateMachineNote note, bool originator, PacketTime time)
    {
        if (!Matches(note))
            return;
        var anomaly = Count(connection, time);
        // The sentence is written once, and not at all past the kind's listing limit, where nobody reads it.
        if (!anomaly.Raised)
        {
            if (anomaly.Listed)
                anomaly.Message = Describe(connection, note, originator);
            Engine.Raise(anomaly);
        }
    }

    protected Anomaly Report(in ConnectionView connection, PacketTime time, string message)
    {
        var anomaly = Count(connection, time);
        if (!anomaly.Raised)
        {
            anomaly.Message = message;
            Engine.Raise(anomaly);
        }
        return anomaly;
    }

    private Anomaly Count(in ConnectionView connection, PacketTime time)
    {
        var uid = connection.Uid;
        var anomaly = Engine.GetOrCreate(id, AnomalyLevel.Connection, uid, time);
        anomaly.Count++;
        anomaly.AddEvidence(uid);
        return anomaly;
    }

    protected static string Side(in ConnectionView connection, bool originator) =>
        originator
            ? ConnectionIdentity.Format(connection.OriginatorAddress, connection.OriginatorPort)
            : ConnectionIdentity.Format(connection.ResponderAddress, connection.ResponderPort);
}
