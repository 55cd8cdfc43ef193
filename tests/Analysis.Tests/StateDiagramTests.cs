namespace TcpState.Analysis.Tests;

/// <summary>
/// <see cref="TcpStateMachine.Next"/> checked arrow by arrow against the RFC 9293 state diagram (§3.3.2, Figure 5),
/// plus the RST and 2MSL arrows of §3.10.7 and §3.10.8.
/// </summary>
public class StateDiagramTests
{
    public static TheoryData<RfcState, string, RfcState> Arrows => new()
    {
        { RfcState.Closed, nameof(EndpointEvent.PassiveOpen), RfcState.Listen },
        { RfcState.Closed, nameof(EndpointEvent.SendSyn), RfcState.SynSent },
        { RfcState.Listen, nameof(EndpointEvent.ReceiveSyn), RfcState.SynReceived },
        { RfcState.Listen, nameof(EndpointEvent.SendSyn), RfcState.SynSent },
        { RfcState.SynSent, nameof(EndpointEvent.ReceiveSyn), RfcState.SynReceived },
        { RfcState.SynSent, nameof(EndpointEvent.ReceiveSynAck), RfcState.Established },
        { RfcState.SynSent, nameof(EndpointEvent.ReceiveRst), RfcState.Closed },
        { RfcState.SynReceived, nameof(EndpointEvent.ReceiveAckOfSyn), RfcState.Established },
        { RfcState.SynReceived, nameof(EndpointEvent.SendFin), RfcState.FinWait1 },
        { RfcState.Established, nameof(EndpointEvent.SendFin), RfcState.FinWait1 },
        { RfcState.Established, nameof(EndpointEvent.ReceiveFin), RfcState.CloseWait },
        { RfcState.FinWait1, nameof(EndpointEvent.ReceiveAckOfFin), RfcState.FinWait2 },
        { RfcState.FinWait1, nameof(EndpointEvent.ReceiveFin), RfcState.Closing },
        { RfcState.FinWait2, nameof(EndpointEvent.ReceiveFin), RfcState.TimeWait },
        { RfcState.Closing, nameof(EndpointEvent.ReceiveAckOfFin), RfcState.TimeWait },
        { RfcState.CloseWait, nameof(EndpointEvent.SendFin), RfcState.LastAck },
        { RfcState.LastAck, nameof(EndpointEvent.ReceiveAckOfFin), RfcState.Closed },
        { RfcState.TimeWait, nameof(EndpointEvent.TimeWaitExpired), RfcState.Closed },
        { RfcState.Established, nameof(EndpointEvent.ReceiveRst), RfcState.Closed },
        { RfcState.CloseWait, nameof(EndpointEvent.ReceiveRst), RfcState.Closed },
        { RfcState.TimeWait, nameof(EndpointEvent.ReceiveRst), RfcState.Closed },
        { RfcState.Established, nameof(EndpointEvent.SendRst), RfcState.Closed },
        { RfcState.FinWait2, nameof(EndpointEvent.SendRst), RfcState.Closed },
    };

    [Theory]
    [MemberData(nameof(Arrows))]
    public void EachArrowOfTheDiagram_LeadsWhereTheRfcSays(RfcState from, string ev, RfcState to) =>
        Assert.Equal(to, TcpStateMachine.Next(from, Enum.Parse<EndpointEvent>(ev), passiveOpen: false));

    [Fact]
    public void RstInSynReceived_ReturnsToListenOnlyAfterAPassiveOpen()
    {
        Assert.Equal(RfcState.Listen, TcpStateMachine.Next(RfcState.SynReceived, EndpointEvent.ReceiveRst, passiveOpen: true));
        Assert.Equal(RfcState.Closed, TcpStateMachine.Next(RfcState.SynReceived, EndpointEvent.ReceiveRst, passiveOpen: false));
    }

    public static TheoryData<RfcState, string> NoArrows => new()
    {
        { RfcState.Established, nameof(EndpointEvent.ReceiveSynAck) },
        { RfcState.CloseWait, nameof(EndpointEvent.ReceiveFin) },
        { RfcState.TimeWait, nameof(EndpointEvent.ReceiveFin) },
        { RfcState.Listen, nameof(EndpointEvent.ReceiveRst) },
        { RfcState.Closed, nameof(EndpointEvent.ReceiveRst) },
        { RfcState.Closed, nameof(EndpointEvent.SendRst) },
        { RfcState.FinWait2, nameof(EndpointEvent.ReceiveAckOfFin) },
    };

    [Theory]
    [MemberData(nameof(NoArrows))]
    public void EventsWithoutAnArrow_LeaveTheStateAlone(RfcState state, string ev) =>
        Assert.Equal(state, TcpStateMachine.Next(state, Enum.Parse<EndpointEvent>(ev), passiveOpen: false));
}
