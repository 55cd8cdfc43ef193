using TcpState.Capture;

namespace TcpState.Analysis.Tests;

/// <summary>
/// An idle connection's detail is packed (parked) and unpacked at its next packet. That the output never shows it is
/// checked over every recorded trace in the CLI tests, parking at every tick; these check when it happens.
/// </summary>
public class ParkingTests
{
    [Fact]
    public void An_idle_established_connection_is_parked_and_its_next_packet_unparks_it()
    {
        var (conversation, tracker) = EstablishedWithData(new AnalysisOptions());

        tracker.AdvanceTime(Later(conversation, 0.5));
        Assert.Equal(0, tracker.ParkedConnections);

        tracker.AdvanceTime(Later(conversation, 1.5));
        Assert.Equal(1, tracker.ParkedConnections);

        conversation.Wait(2);
        tracker.Process(conversation.Client.Data(100));
        Assert.Equal(0, tracker.ParkedConnections);
        Assert.Equal(1, tracker.ActiveConnections);
    }

    /// <summary>
    /// The connections a CLOSE_WAIT leak piles up: the client closed long after opening, the server acknowledged and
    /// never closed. The FIN and a transition far from the first packet are both in the parked form.
    /// </summary>
    [Fact]
    public void A_connection_lingering_in_close_wait_long_after_it_opened_is_parked()
    {
        var (conversation, tracker) = EstablishedWithData(new AnalysisOptions());
        conversation.Wait(30);
        tracker.Process(conversation.Client.Fin());
        tracker.Process(conversation.Server.Ack());

        tracker.AdvanceTime(Later(conversation, 5));

        Assert.Equal(1, tracker.ParkedConnections);
        Assert.Equal(0, tracker.ParksRefused);
    }

    /// <summary>A detector that looks over every connection (TIME_WAIT build-up does) sees a parked one in full.</summary>
    [Fact]
    public void A_look_over_every_connection_sees_a_parked_one_as_it_was()
    {
        var (conversation, tracker) = EstablishedWithData(new AnalysisOptions());
        var before = Visit(tracker);

        tracker.AdvanceTime(Later(conversation, 2));
        Assert.Equal(1, tracker.ParkedConnections);
        var whileParked = Visit(tracker);

        Assert.Equal(before, whileParked);
        Assert.Equal(1, tracker.ParkedConnections);
    }

    [Fact]
    public void Parking_switched_off_parks_nothing()
    {
        var (conversation, tracker) = EstablishedWithData(new AnalysisOptions { ParkIdleAfterSeconds = null });

        tracker.AdvanceTime(Later(conversation, 10));

        Assert.Equal(0, tracker.ParkedConnections);
    }

    /// <summary>Data past a hole waits in Zeek's out-of-order ranges, which the parked form has no room for.</summary>
    [Fact]
    public void A_connection_with_data_out_of_order_stays_unpacked()
    {
        var (conversation, tracker) = EstablishedWithData(new AnalysisOptions());
        var client = conversation.Client;
        client.NextSeq += 500;
        tracker.Process(client.Data(100));

        tracker.AdvanceTime(Later(conversation, 10));

        Assert.Equal(0, tracker.ParkedConnections);
        Assert.Equal(1, tracker.ActiveConnections);
    }

    [Fact]
    public void Thousands_of_quiet_connections_are_all_parked()
    {
        const int Connections = 5_000;
        var tracker = new ConnectionTracker(new AnalysisOptions(), new ConnectionStatistics());
        PacketTime last = default;
        for (int i = 0; i < Connections; i++)
        {
            var conversation = new TcpConversation(clientPort: (ushort)(10_000 + i), startSeconds: 1_700_000_000 + i * 0.001);
            Establish(conversation);
            foreach (var segment in conversation.Segments)
                tracker.Process(segment);
            last = conversation.Segments[^1].Timestamp;
        }

        tracker.AdvanceTime(last.AddSeconds(2));

        Assert.Equal(Connections, tracker.ActiveConnections);
        Assert.Equal(Connections, tracker.ParkedConnections);
    }

    private static string Visit(ConnectionTracker tracker)
    {
        var seen = new List<string>();
        tracker.ForEachConnection((in ConnectionView c) => seen.Add(
            $"{c.OriginatorState} {c.ResponderState} {c.History} {c.ConnState} {c.OriginatorBytes} {c.ResponderBytes} {c.Duration}"));
        return Assert.Single(seen);
    }

    private static (TcpConversation, ConnectionTracker) EstablishedWithData(AnalysisOptions options)
    {
        var conversation = new TcpConversation();
        Establish(conversation);
        var tracker = new ConnectionTracker(options, new ConnectionStatistics());
        foreach (var segment in conversation.Segments)
            tracker.Process(segment);
        return (conversation, tracker);
    }

    /// <summary>Handshake, a request, its response, the client's ACK: the concurrent trace's quiet connection.</summary>
    private static void Establish(TcpConversation conversation)
    {
        var (client, server) = (conversation.Client, conversation.Server);
        client.Syn();
        server.SynAck();
        client.Ack();
        client.Data(200);
        server.Data(1_000);
        client.Ack();
    }

    private static PacketTime Later(TcpConversation conversation, double seconds) =>
        conversation.Segments[^1].Timestamp.AddSeconds(seconds);
}
