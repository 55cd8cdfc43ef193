using TcpState.Analysis.Connections;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies.Detectors;

/// <summary>
/// syn-with-data: a SYN or SYN-ACK carries payload without TCP Fast Open (RFC 7413). RFC 9293 allows it but a receiver
/// must hold the data until the handshake completes; outside TFO it is rare in practice and typical of scanners,
/// evasion attempts and broken stacks.
/// </summary>
internal sealed class SynWithDataDetector(AnomalyEngine engine) : NoteDetector(engine, AnomalyCatalogue.SynWithData)
{
    public override DetectorInterests Interests => DetectorInterests.Notes | DetectorInterests.SynOrRstSegments;

    protected override bool Matches(StateMachineNote note) => note == StateMachineNote.SynWithData;

    protected override string Describe(in ConnectionView connection, StateMachineNote note, bool originator) =>
        $"{Side(connection, originator)} sent a SYN carrying data without a TCP Fast Open cookie; " +
        "the receiver may hold or drop that data until the handshake completes.";

    public override void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts)
    {
        // The state machine notes SYNs; a SYN-ACK with data is only normal as the answer to a Fast Open SYN.
        if (segment.PayloadLength > 0 && segment.Has(TcpFlags.Syn) && segment.Has(TcpFlags.Ack) &&
            !segment.Has(TcpFlags.Rst) && (connection.Flags & ConnectionFlags.FastOpen) == 0)
            Report(connection, segment.Timestamp,
                static sent => $"{ConnectionIdentity.Format(sent.Address, sent.Port)} sent a SYN-ACK carrying {sent.Bytes} bytes without TCP Fast Open.",
                facts.FromOriginator
                    ? (Address: connection.OriginatorAddress, Port: connection.OriginatorPort, Bytes: segment.PayloadLength)
                    : (Address: connection.ResponderAddress, Port: connection.ResponderPort, Bytes: segment.PayloadLength));
    }
}
