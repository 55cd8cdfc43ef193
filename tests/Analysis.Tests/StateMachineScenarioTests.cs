using TcpState.Analysis.Connections;
using TcpState.Analysis.Zeek;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>
/// One scenario per path through the RFC 9293 state diagram, built segment by segment, checking both endpoints'
/// transitions, Zeek's conn_state and history, and the flags.
/// </summary>
public class StateMachineScenarioTests
{
    private static TcpConversation Handshake(out TcpConversation.Peer client, out TcpConversation.Peer server)
    {
        var conversation = new TcpConversation();
        client = conversation.Client;
        server = conversation.Server;
        client.Syn();
        server.SynAck();
        client.Ack();
        return conversation;
    }

    [Fact]
    public void ClientClosingFirst_LeavesClientInTimeWaitAndServerClosed()
    {
        var conversation = Handshake(out var client, out var server);
        client.Data(10);
        server.Ack();
        server.Data(20);
        client.Ack();
        client.Fin();
        server.Ack();
        server.Fin();
        client.Ack();

        var record = conversation.AnalyseSingle();

        Assert.Equal(["SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT"], record.OriginatorTransitions.States());
        Assert.Equal(["LISTEN", "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"], record.ResponderTransitions.States());
        Assert.Equal(RfcState.TimeWait, record.OriginatorState);
        Assert.Equal(RfcState.Closed, record.ResponderState);
        Assert.Equal(ConnState.SF, record.ConnState);
        Assert.Equal("ShADadFf", record.History);
        Assert.Equal(10UL, record.OriginatorBytes);
        Assert.Equal(20UL, record.ResponderBytes);
        Assert.Equal(6u, record.OriginatorPackets);
        Assert.Equal(5u, record.ResponderPackets);
        Assert.Equal(ConnectionFlags.None, record.Flags);
    }

    [Fact]
    public void ServerClosingFirst_LeavesServerInTimeWait()
    {
        var conversation = Handshake(out var client, out var server);
        client.Data(10);
        server.Data(20);
        server.Fin();
        client.Ack();
        client.Fin();
        server.Ack();

        var record = conversation.AnalyseSingle();

        Assert.Equal(["SYN_SENT", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"], record.OriginatorTransitions.States());
        Assert.Equal(["LISTEN", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT"], record.ResponderTransitions.States());
        Assert.Equal(ConnState.SF, record.ConnState);
    }

    [Fact]
    public void FinAckAnsweringFin_IsAThreeWayClose()
    {
        var conversation = Handshake(out var client, out var server);
        client.Fin();
        server.Fin(); // FIN+ACK that acknowledges the client's FIN
        client.Ack();

        var record = conversation.AnalyseSingle();

        Assert.Equal(["SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT"], record.OriginatorTransitions.States());
        Assert.Equal(["LISTEN", "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"], record.ResponderTransitions.States());
        // FIN_WAIT_2 is passed through on the same FIN+ACK that brings TIME_WAIT.
        Assert.Equal(record.OriginatorTransitions[3].Time, record.OriginatorTransitions[4].Time);
        Assert.Equal("ShAFf", record.History);
    }

    [Fact]
    public void CrossingFins_AreASimultaneousCloseThroughClosing()
    {
        var conversation = Handshake(out var client, out var server);
        var clientFin = client.Fin();
        // The server's FIN was sent before the client's arrived: it does not acknowledge it.
        server.Raw(TcpFlags.Fin | TcpFlags.Ack, server.NextSeq, clientFin.Sequence);
        uint serverFinEnd = server.NextSeq + 1;
        client.Ack(serverFinEnd);
        server.Ack(clientFin.Sequence + 1);

        var record = conversation.AnalyseSingle();

        Assert.Equal(["SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "CLOSING", "TIME_WAIT"], record.OriginatorTransitions.States());
        Assert.Equal(["LISTEN", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "CLOSING", "TIME_WAIT"], record.ResponderTransitions.States());
        Assert.True(record.Flags.HasFlag(ConnectionFlags.SimultaneousClose));
        Assert.Equal(ConnState.SF, record.ConnState);
    }

    [Fact]
    public void CrossingSyns_AreASimultaneousOpen()
    {
        var conversation = new TcpConversation();
        var a = conversation.Client;
        var b = conversation.Server;
        a.Syn();
        b.Raw(TcpFlags.Syn, b.Isn, 0);
        a.Raw(TcpFlags.Syn | TcpFlags.Ack, a.Isn, b.Isn + 1);
        b.Raw(TcpFlags.Syn | TcpFlags.Ack, b.Isn, a.Isn + 1);
        a.Raw(TcpFlags.Ack, a.Isn + 1, b.Isn + 1);
        b.Raw(TcpFlags.Ack, b.Isn + 1, a.Isn + 1);

        var record = conversation.AnalyseSingle();

        Assert.Equal(["SYN_SENT", "SYN_RCVD", "ESTABLISHED"], record.OriginatorTransitions.States());
        Assert.Equal(["SYN_SENT", "SYN_RCVD", "ESTABLISHED"], record.ResponderTransitions.States());
        Assert.True(record.Flags.HasFlag(ConnectionFlags.SimultaneousOpen));
    }

    [Fact]
    public void RstAnsweringSyn_IsARefusedConnection()
    {
        var conversation = new TcpConversation();
        var syn = conversation.Client.Syn();
        conversation.Server.Raw(TcpFlags.Rst | TcpFlags.Ack, 0, syn.Sequence + 1);

        var record = conversation.AnalyseSingle();

        Assert.Equal(["SYN_SENT", "CLOSED"], record.OriginatorTransitions.States());
        Assert.Empty(record.ResponderTransitions);
        Assert.Equal(RfcState.Closed, record.ResponderState);
        Assert.Equal(ConnState.REJ, record.ConnState);
        Assert.Equal("Sr", record.History);
    }

    [Fact]
    public void RstWhoseAckMissesTheSyn_DoesNotCloseSynSent()
    {
        var conversation = new TcpConversation();
        var syn = conversation.Client.Syn();
        conversation.Server.Raw(TcpFlags.Rst | TcpFlags.Ack, 0, syn.Sequence + 99);

        var record = conversation.AnalyseSingle();

        Assert.Equal(RfcState.SynSent, record.OriginatorState);
    }

    [Fact]
    public void UnansweredSynRetransmissions_StayOneAttemptInSynSent()
    {
        var conversation = new TcpConversation();
        conversation.Client.Syn();
        conversation.Wait(1);
        conversation.Client.Syn();
        conversation.Wait(2);
        conversation.Client.Syn();

        var record = conversation.AnalyseSingle();

        Assert.Equal(["SYN_SENT"], record.OriginatorTransitions.States());
        Assert.Empty(record.ResponderTransitions);
        Assert.Equal(ConnState.S0, record.ConnState);
        Assert.Equal("S", record.History);
        Assert.Equal(3u, record.OriginatorPackets);
    }

    [Fact]
    public void RstMidStream_ClosesBothEndpoints()
    {
        var conversation = Handshake(out var client, out var server);
        client.Data(100);
        server.Ack();
        client.Rst();

        var record = conversation.AnalyseSingle();

        Assert.Equal(["SYN_SENT", "ESTABLISHED", "CLOSED"], record.OriginatorTransitions.States());
        Assert.Equal(["LISTEN", "SYN_RCVD", "ESTABLISHED", "CLOSED"], record.ResponderTransitions.States());
        Assert.Equal(ConnState.RSTO, record.ConnState);
        Assert.Equal("ShADaR", record.History);
    }

    [Fact]
    public void RstOutsideTheWindow_DoesNotCloseTheConnection()
    {
        var conversation = Handshake(out var client, out var server);
        client.Data(100);
        server.Ack();
        // Far beyond what the server acknowledged plus its window: a blind injection attempt.
        client.Raw(TcpFlags.Rst, client.NextSeq + 100_000_000, 0);

        var record = conversation.AnalyseSingle();

        Assert.Equal(RfcState.Established, record.ResponderState);
        Assert.True(record.Flags.HasFlag(ConnectionFlags.RstOutOfWindow));
    }

    [Fact]
    public void SynAckWithWrongAck_LeavesClientInSynSent()
    {
        var conversation = new TcpConversation();
        var syn = conversation.Client.Syn();
        conversation.Server.SynAck(ack: syn.Sequence + 7);

        var record = conversation.AnalyseSingle();

        Assert.Equal(RfcState.SynSent, record.OriginatorState);
        Assert.True(record.Flags.HasFlag(ConnectionFlags.BadHandshakeAck));
    }

    [Fact]
    public void HandshakeAckNotAcknowledgingSynAck_LeavesServerInSynReceived()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        var server = conversation.Server;
        client.Syn();
        server.SynAck();
        client.Ack(ack: server.Isn + 50);

        var record = conversation.AnalyseSingle();

        Assert.Equal(RfcState.SynReceived, record.ResponderState);
        Assert.True(record.Flags.HasFlag(ConnectionFlags.BadHandshakeAck));
    }

    [Fact]
    public void RstInSynReceived_ReturnsPassiveOpenToListen()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        var server = conversation.Server;
        client.Syn();
        server.SynAck();
        client.Raw(TcpFlags.Rst, client.NextSeq, 0);

        var record = conversation.AnalyseSingle();

        Assert.Equal(["LISTEN", "SYN_RCVD", "LISTEN"], record.ResponderTransitions.States());
        Assert.Equal(RfcState.Closed, record.OriginatorState);
    }

    [Fact]
    public void HalfClose_ServerKeepsSendingAfterClientFin()
    {
        var conversation = Handshake(out var client, out var server);
        client.Data(10);
        client.Fin();
        server.Ack();
        server.Data(1000);
        client.Ack();
        server.Data(1000);
        client.Ack();
        server.Fin();
        client.Ack();

        var record = conversation.AnalyseSingle();

        Assert.Equal(["SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT"], record.OriginatorTransitions.States());
        Assert.Equal(["LISTEN", "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"], record.ResponderTransitions.States());
        Assert.Equal(2000UL, record.ResponderBytes);
        Assert.Equal(ConnState.SF, record.ConnState);
    }

    [Fact]
    public void PeerThatNeverCloses_StaysInCloseWait()
    {
        var conversation = Handshake(out var client, out var server);
        client.Fin();
        server.Ack();

        var record = conversation.AnalyseSingle();

        Assert.Equal(RfcState.FinWait2, record.OriginatorState);
        Assert.Equal(RfcState.CloseWait, record.ResponderState);
        Assert.Equal(ConnState.S2, record.ConnState);
    }

    [Fact]
    public void DataWithoutSyn_IsPickedUpMidStream()
    {
        var conversation = new TcpConversation();
        conversation.Client.NextSeq = 777;
        conversation.Server.NextSeq = 999;
        conversation.Client.Data(50);
        conversation.Server.Data(60);
        conversation.Client.Ack();

        var record = conversation.AnalyseSingle();

        Assert.True(record.Flags.HasFlag(ConnectionFlags.Midstream));
        Assert.Equal(["ESTABLISHED"], record.OriginatorTransitions.States());
        Assert.Equal(["ESTABLISHED"], record.ResponderTransitions.States());
        Assert.Equal(ConnState.OTH, record.ConnState);
        Assert.Equal("DdA", record.History);
    }

    [Fact]
    public void NewSynOnTimeWaitTuple_StartsANewConnectionMarkedAsPortReuse()
    {
        var conversation = Handshake(out var client, out var server);
        client.Fin();
        server.Fin();
        client.Ack();
        conversation.Wait(1);
        client.Reopen(900_000);
        server.Reopen(700_000);
        client.Syn();
        server.SynAck();
        client.Ack();

        var records = conversation.Analyse();

        Assert.Equal(2, records.Count);
        Assert.Equal(FinishReason.PortReused, records[0].FinishReason);
        Assert.Equal(RfcState.TimeWait, records[0].OriginatorState);
        Assert.True(records[1].Flags.HasFlag(ConnectionFlags.PortReuse));
        Assert.Equal(RfcState.Established, records[1].OriginatorState);
    }

    [Fact]
    public void TimeWait_EndsAfterTwoMslOfPacketTime()
    {
        var conversation = Handshake(out var client, out var server);
        client.Fin();
        server.Fin();
        var lastAck = client.Ack();
        // Unrelated traffic a minute later moves the packet clock past 2MSL.
        var later = new TcpConversation(clientPort: 40001, startSeconds: lastAck.Timestamp.Seconds + 61);
        later.Client.Syn();

        var records = conversation.Analyse(extra: later.Segments);

        var first = records[0];
        Assert.Equal(FinishReason.TimeWaitExpired, first.FinishReason);
        Assert.Equal(["SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED"], first.OriginatorTransitions.States());
        var timeWait = first.OriginatorTransitions[4];
        var closed = first.OriginatorTransitions[5];
        Assert.Equal(60.0, closed.Time.SecondsSince(timeWait.Time), 6);
    }

    [Fact]
    public void TimeWait_LengthFollowsTheConfiguredMsl()
    {
        var conversation = Handshake(out var client, out var server);
        client.Fin();
        server.Fin();
        var lastAck = client.Ack();
        var later = new TcpConversation(clientPort: 40001, startSeconds: lastAck.Timestamp.Seconds + 10);
        later.Client.Syn();

        var records = conversation.Analyse(new AnalysisOptions { TimeWaitSeconds = 8 }, later.Segments);

        Assert.Equal(RfcState.Closed, records[0].OriginatorState);
        Assert.Equal(FinishReason.TimeWaitExpired, records[0].FinishReason);
    }

    [Fact]
    public void SynWithFastOpenCookieAndData_IsFlaggedAndEstablishes()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        var server = conversation.Server;
        client.Syn(payload: 100, fastOpenCookie: true);
        server.SynAck(); // acknowledges the SYN and its 100 bytes
        client.Ack();

        var record = conversation.AnalyseSingle();

        Assert.True(record.Flags.HasFlag(ConnectionFlags.FastOpen));
        Assert.False(record.Flags.HasFlag(ConnectionFlags.SynWithData));
        Assert.Equal(RfcState.Established, record.OriginatorState);
        Assert.Equal(RfcState.Established, record.ResponderState);
    }

    [Fact]
    public void SynWithDataButNoCookie_IsFlaggedAsSynWithData()
    {
        var conversation = new TcpConversation();
        conversation.Client.Syn(payload: 20);
        conversation.Server.SynAck();

        var record = conversation.AnalyseSingle();

        Assert.True(record.Flags.HasFlag(ConnectionFlags.SynWithData));
    }

    [Fact]
    public void SegmentWithBadChecksum_MovesNoStateAndIsWrittenAsC()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        var server = conversation.Server;
        client.Syn();
        server.Raw(TcpFlags.Syn | TcpFlags.Ack, server.Isn, client.Isn + 1, checksum: ChecksumStatus.Invalid);

        var record = conversation.AnalyseSingle();

        Assert.Equal(RfcState.SynSent, record.OriginatorState);
        Assert.Equal("Sc", record.History);
        Assert.Equal(0u, record.ResponderPackets);
        Assert.Equal(ConnState.S0, record.ConnState);
    }

    [Fact]
    public void SynAckSeenFirst_FlipsRolesAndInfersTheSyn()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        var server = conversation.Server;
        client.NextSeq = client.Isn + 1; // the SYN was sent but not captured
        server.SynAck();
        client.Ack();
        client.Data(5);

        var record = conversation.AnalyseSingle();

        Assert.Equal(client.Address, record.OriginatorAddress);
        Assert.StartsWith("^h", record.History);
        Assert.Equal(["SYN_SENT", "ESTABLISHED"], record.OriginatorTransitions.States());
        Assert.Equal(["LISTEN", "SYN_RCVD", "ESTABLISHED"], record.ResponderTransitions.States());
    }

    [Fact]
    public void RetransmittedData_IsWrittenAsT_AndZeroWindowAsW()
    {
        var conversation = Handshake(out var client, out var server);
        var first = client.Data(100);
        client.Retransmit(TcpFlags.Ack | TcpFlags.Psh, first.Sequence, 100);
        server.Raw(TcpFlags.Ack, server.NextSeq, client.NextSeq, window: 0);

        var record = conversation.AnalyseSingle();

        Assert.Equal("ShADTaw", record.History);
    }

    [Fact]
    public void AcknowledgedDataNeverSeen_IsAContentGap()
    {
        var conversation = Handshake(out var client, out var server);
        client.Data(100);
        server.Ack();
        client.NextSeq += 500; // 500 bytes the capture missed
        client.Data(100);
        server.Ack();
        client.Fin();
        server.Fin();
        client.Ack();

        var record = conversation.AnalyseSingle();

        Assert.Equal(500UL, record.MissedBytes);
        Assert.Contains('G', record.History);
    }

    [Fact]
    public void OriginatorSynThenFinWithoutAnswer_IsSH()
    {
        var conversation = new TcpConversation();
        var client = conversation.Client;
        client.Syn();
        client.Raw(TcpFlags.Fin, client.NextSeq, 0);

        var record = conversation.AnalyseSingle();

        Assert.Equal(ConnState.SH, record.ConnState);
        Assert.Equal("SF", record.History);
    }

    [Fact]
    public void Retransmitted_FinIntoTimeWait_RestartsTwoMsl()
    {
        var conversation = Handshake(out var client, out var server);
        client.Fin();
        server.Ack();
        var serverFin = server.Fin();
        client.Ack();
        conversation.Wait(30);
        server.Retransmit(TcpFlags.Fin | TcpFlags.Ack, serverFin.Sequence, 0);
        client.Ack();
        var last = conversation.Segments[^1];
        // 40 s after the retransmission: 70 s after TIME_WAIT began but only 40 s after its restart.
        var probe = new TcpConversation(clientPort: 40002, startSeconds: last.Timestamp.Seconds + 40);
        probe.Client.Syn();

        var records = conversation.Analyse(extra: probe.Segments);

        Assert.Equal(RfcState.TimeWait, records.Single(r => r.OriginatorPort == 40000).OriginatorState);
    }
}
