namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// rst-out-of-window: a RST whose sequence number lies outside the receiver's window (RFC 9293 §3.10.7.4, RFC 5961).
/// The receiver must ignore it and the connection goes on; a stream of them is a blind reset-injection attempt, a
/// single one often a stale RST from an earlier connection on the same 4-tuple.
/// </summary>
internal sealed class RstOutOfWindowDetector(AnomalyEngine engine) : NoteDetector(engine, AnomalyCatalogue.RstOutOfWindow)
{
    protected override bool Matches(StateMachineNote note) => note == StateMachineNote.RstOutOfWindow;

    protected override string Describe(in ConnectionView connection, StateMachineNote note, bool originator) =>
        $"A RST toward {Side(connection, originator)} had a sequence number outside its receive window, so it did not " +
        "close the connection: possibly injected by a third party, or a stale reset.";
}
