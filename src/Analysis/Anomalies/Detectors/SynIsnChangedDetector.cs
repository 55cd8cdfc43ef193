namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// syn-isn-changed: on one 4-tuple a SYN is resent with a different ISN while the first is still pending. A stack
/// retransmits its SYN with the same ISN; a new ISN means a second client reusing the port, a restarted client, or
/// forged SYNs.
/// </summary>
internal sealed class SynIsnChangedDetector(AnomalyEngine engine) : NoteDetector(engine, AnomalyCatalogue.SynIsnChanged)
{
    protected override bool Matches(StateMachineNote note) => note == StateMachineNote.IsnChanged;

    protected override string Describe(in ConnectionView connection, StateMachineNote note, bool originator) =>
        $"{Side(connection, originator)} sent a new SYN with a different ISN while its first SYN was still unanswered; " +
        "retransmissions keep the ISN, so this is another connection attempt on the same port (or a forged SYN).";
}
