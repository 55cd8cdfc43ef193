namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// bad-handshake-ack: a SYN-ACK whose acknowledgment is not the SYN's ISN + 1, or a handshake ACK that does not
/// acknowledge the SYN-ACK's ISN + 1. A real stack answers either with RST; on the wire it points at a middlebox
/// rewriting sequence numbers, a spoofed or stale packet, or a broken stack.
/// </summary>
internal sealed class BadHandshakeAckDetector(AnomalyEngine engine) : NoteDetector(engine, AnomalyCatalogue.BadHandshakeAck)
{
    protected override bool Matches(StateMachineNote note) =>
        note is StateMachineNote.BadSynAck or StateMachineNote.BadHandshakeAck;

    protected override string Describe(in ConnectionView connection, StateMachineNote note, bool originator) =>
        note == StateMachineNote.BadSynAck
            ? $"{Side(connection, originator)} answered the SYN with a SYN-ACK that does not acknowledge ISN + 1; " +
              $"{Side(connection, !originator)} stays in SYN_SENT (a real stack resets it)."
            : $"{Side(connection, originator)} sent a handshake ACK that does not acknowledge the SYN-ACK's ISN + 1; " +
              $"{Side(connection, !originator)} stays in SYN_RCVD.";
}
