using TcpState.Analysis.Connections;
using TcpState.Capture;
using TcpState.Capture.Decoding;

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

    /// <summary>
    /// A packed connection's detail comes back byte for byte whatever its history's length: a short history shares its
    /// word with a retransmitted SYN-ACK's receipt date, a long one (a close's letters) fills it.
    /// </summary>
    [Fact]
    public void A_packed_connection_comes_back_byte_for_byte_at_every_length_of_history()
    {
        var conversation = new TcpConversation();
        var (client, server) = (conversation.Client, conversation.Server);
        var tracker = new ConnectionTracker(WithoutTransitions, new ConnectionStatistics());
        var unparked = new ConnectionTracker(WithoutTransitions with { ParkIdleAfterSeconds = null }, new ConnectionStatistics());
        var steps = new Func<TcpSegment>[]
        {
            () => client.Syn(), () => server.SynAck(), () => client.Ack(), () => client.Data(200), () => server.Data(1_000),
            () => client.Ack(), () => client.Fin(), () => server.Ack(), () => server.Data(10), () => client.Ack(),
        };
        int longestPacked = 0;
        foreach (var step in steps)
        {
            var segment = step();
            tracker.Process(segment);
            unparked.Process(segment);
            tracker.AdvanceTime(segment.Timestamp.AddSeconds(1.5));
            unparked.AdvanceTime(segment.Timestamp.AddSeconds(1.5));
            Assert.Equal(DetailBytes(unparked), DetailBytes(tracker));
            if (tracker.PackedConnections == 1)
                longestPacked = Math.Max(longestPacked, History(tracker).Length);
            conversation.Wait(2);
        }
        Assert.True(longestPacked > 6, $"the longest history packed had {longestPacked} letters");
    }

    private static string History(ConnectionTracker tracker)
    {
        string? history = null;
        tracker.ForEachConnection((in ConnectionView c) => history = c.History);
        return history!;
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

    /// <summary>As the summary runs (no transitions kept), an idle IPv4 connection leaves its slot altogether.</summary>
    [Fact]
    public void Without_transitions_an_idle_ipv4_connection_is_packed_out_of_its_slot_and_its_next_packet_brings_it_back()
    {
        var (conversation, tracker) = EstablishedWithData(WithoutTransitions);

        tracker.AdvanceTime(Later(conversation, 1.5));
        Assert.Equal(1, tracker.PackedConnections);
        Assert.Equal(1, tracker.ParkedConnections);

        conversation.Wait(2);
        tracker.Process(conversation.Client.Data(100));
        Assert.Equal(0, tracker.PackedConnections);
        Assert.Equal(0, tracker.ParkedConnections);
        Assert.Equal(1, tracker.ActiveConnections);
    }

    /// <summary>
    /// An IPv6 connection is packed too, its addresses kept beside it: a look over every connection sees it whole,
    /// addresses included, and its next packet finds it and brings it back.
    /// </summary>
    [Fact]
    public void An_idle_ipv6_connection_is_packed_and_its_next_packet_brings_it_back()
    {
        var conversation = new TcpConversation(clientAddress: "2001:db8::1", serverAddress: "2001:db8:ffff::2");
        Establish(conversation);
        var tracker = new ConnectionTracker(WithoutTransitions, new ConnectionStatistics());
        foreach (var segment in conversation.Segments)
            tracker.Process(segment);
        var before = VisitWithAddresses(tracker);

        tracker.AdvanceTime(Later(conversation, 2));
        Assert.Equal(1, tracker.PackedConnections);
        Assert.Equal(before, VisitWithAddresses(tracker));

        conversation.Wait(3);
        tracker.Process(conversation.Client.Data(100));
        Assert.Equal(0, tracker.PackedConnections);
        Assert.Equal(1, tracker.ActiveConnections);
        Assert.Equal(1, tracker.ConnectionsCreated);
    }

    /// <summary>
    /// A packed IPv6 connection holds its key's 32-bit hash where an IPv4 one holds its addresses: two whose hashes are
    /// equal share a bucket, and each packet must still find its own connection by the addresses kept beside them.
    /// </summary>
    [Fact]
    public void Packed_ipv6_connections_with_equal_hashes_are_told_apart_by_their_addresses()
    {
        var (first, second) = TwoIpv6ClientsWhoseKeysHashAlike();
        var segments = new List<TcpSegment>();
        foreach (var (client, start) in new[] { (first, 1_700_000_000.0), (second, 1_700_000_000.1) })
        {
            var conversation = new TcpConversation(client, 40_000, "2001:db8:ffff::1", startSeconds: start);
            Establish(conversation);
            conversation.Wait(3);
            conversation.Client.Data(10);
            conversation.Server.Fin();
            segments.AddRange(conversation.Segments);
        }
        var ordered = segments.OrderBy(s => s.Timestamp).ToList();

        var packed = Describe(ordered, WithoutTransitions);
        Assert.Equal(Describe(ordered, WithoutTransitions with { ParkIdleAfterSeconds = null }), packed);
        Assert.Equal(2, packed.Count);
    }

    private static (string, string) TwoIpv6ClientsWhoseKeysHashAlike()
    {
        var server = IpAddress.Parse("2001:db8:ffff::1");
        var seen = new Dictionary<uint, string>();
        for (int n = 1; ; n++)
        {
            string client = $"2001:db8::{n >> 16:x}:{n & 0xFFFF:x}";
            // Every client sorts before the server, so each key has the same order of ports.
            var key = new ConnectionKey(IpAddress.Parse(client), 40_000, server, 80);
            if (seen.TryGetValue((uint)key.GetHashCode(), out var earlier))
                return (earlier, client);
            seen.Add((uint)key.GetHashCode(), client);
        }
    }

    [Fact]
    public void With_transitions_kept_a_connection_is_parked_in_its_slot_not_packed()
    {
        var (conversation, tracker) = EstablishedWithData(new AnalysisOptions { RecordTransitions = true });

        tracker.AdvanceTime(Later(conversation, 2));

        Assert.Equal(1, tracker.ParkedConnections);
        Assert.Equal(0, tracker.PackedConnections);
    }

    /// <summary>
    /// The handshakes of a SYN flood a server answers with cookies: SYN and SYN-ACK, and the client never answers. Once
    /// handshakes pending fill a sixteenth of the table (here, of eight: any), each is packed as its SYN-ACK passes (the
    /// client's receipt of it still pending), and the handshake's ACK, however late, brings it back to complete it.
    /// </summary>
    [Fact]
    public void Under_pressure_a_handshake_answered_is_packed_at_once_and_its_late_ACK_completes_it()
    {
        var conversation = new TcpConversation();
        conversation.Client.Syn();
        conversation.Server.SynAck();
        var tracker = new ConnectionTracker(WithoutTransitions with { MaxConnections = 8 }, new ConnectionStatistics());
        foreach (var segment in conversation.Segments)
            tracker.Process(segment);

        Assert.Equal(1, tracker.PackedConnections);
        Assert.Equal(0, tracker.ParksRefused);

        conversation.Wait(2);
        tracker.Process(conversation.Client.Ack());
        Assert.Equal(0, tracker.PackedConnections);
        Assert.Equal(1, tracker.ActiveConnections);
        var sink = new RecordingSink();
        tracker = new ConnectionTracker(WithoutTransitions with { MaxConnections = 8 }, sink);
        var unparkedSink = new RecordingSink();
        var unparked = new ConnectionTracker(WithoutTransitions with { MaxConnections = 8, ParkIdleAfterSeconds = null }, unparkedSink);
        foreach (var segment in conversation.Segments)
        {
            tracker.Process(segment);
            unparked.Process(segment);
        }
        tracker.Finish();
        unparked.Finish();
        Assert.Equal(RfcState.Established, Assert.Single(sink.Records).OriginatorState);
        Assert.Equal(Summarise(unparkedSink), Summarise(sink));
    }

    /// <summary>
    /// A flood of refused SYNs (a scan of closed ports), or of lone RSTs: each connection is CLOSED on both sides at the
    /// RST and lingers for stragglers. Once closed connections fill a sixteenth of the table (here, of eight: any), each
    /// is packed as the RST passes, and stays in the Closed queue (the packed form works it out from the states): a
    /// straggler brings it back and it is packed again, and it is written when its linger runs out, as it is without
    /// packing. While packed it comes back byte for byte, the RSTs each side sent included. Linux refuses with sequence
    /// number 0 (the SYN carried no ACK to take one from), which Zeek numbers from 2^32 - 1.
    /// </summary>
    [Theory]
    [InlineData("refused")]
    [InlineData("refused with sequence number 0")]
    [InlineData("lone RST")]
    public void Under_pressure_a_closed_connection_is_packed_at_once_and_lingers_as_closed(string flood)
    {
        var conversation = new TcpConversation();
        if (flood == "lone RST")
        {
            conversation.Client.Rst(withAck: false);
            conversation.Wait(1);
            conversation.Client.Rst(withAck: false);
        }
        else
        {
            uint? sequence = flood == "refused" ? null : 0;
            conversation.Client.Syn();
            conversation.Server.Rst(seq: sequence);
            conversation.Wait(1);
            conversation.Server.Rst(seq: sequence);
        }
        var options = WithoutTransitions with { MaxConnections = 8 };
        var (sink, unparkedSink) = (new RecordingSink(), new RecordingSink());
        var tracker = new ConnectionTracker(options, sink);
        var unparked = new ConnectionTracker(options with { ParkIdleAfterSeconds = null }, unparkedSink);
        foreach (var segment in conversation.Segments)
        {
            tracker.Process(segment);
            unparked.Process(segment);
            Assert.Equal(segment.Has(TcpFlags.Rst) ? 1 : 0, tracker.PackedConnections);
            Assert.Equal(DetailBytes(unparked), DetailBytes(tracker));
        }
        Assert.Equal(0, tracker.ParksRefused);

        foreach (double seconds in (ReadOnlySpan<double>)[4.5, 5.5])
        {
            tracker.AdvanceTime(Later(conversation, seconds));
            unparked.AdvanceTime(Later(conversation, seconds));
        }
        Assert.Equal(FinishReason.Closed, Assert.Single(sink.Records).FinishReason);
        Assert.Equal(Summarise(unparkedSink), Summarise(sink));
    }

    /// <summary>
    /// A server that answers a flood without cookies retransmits its SYN-ACK (Linux at 1, 3, 7 s): the client's receipt
    /// of it waits from the first, not from the connection's last packet. Parked in its slot, it keeps when: after each
    /// retransmission it is packed again, byte for byte as unparked, and its late ACK still completes it. SYN-ACKs
    /// alone are backscatter (a flood's victim answering SYNs spoofed from this network) or a capture begun
    /// mid-handshake: the client's SYN is implied, but Zeek saw it send nothing.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Under_pressure_a_handshake_whose_SYN_ACK_is_retransmitted_is_packed_again_after_each(bool synSeen)
    {
        var conversation = new TcpConversation();
        conversation.Client.Syn();
        conversation.Server.SynAck();
        foreach (double wait in (ReadOnlySpan<double>)[1, 2, 4])
        {
            conversation.Wait(wait);
            conversation.Server.SynAck();
        }
        if (synSeen)
        {
            conversation.Wait(0.5);
            conversation.Client.Ack();
        }
        var options = WithoutTransitions with { MaxConnections = 8 };
        var (sink, unparkedSink) = (new RecordingSink(), new RecordingSink());
        var tracker = new ConnectionTracker(options, sink);
        var unparked = new ConnectionTracker(options with { ParkIdleAfterSeconds = null }, unparkedSink);
        foreach (var segment in conversation.Segments.Skip(synSeen ? 0 : 1))
        {
            tracker.Process(segment);
            unparked.Process(segment);
            Assert.Equal(DetailBytes(unparked), DetailBytes(tracker));
            if (segment.Has(TcpFlags.Syn | TcpFlags.Ack))
            {
                Assert.Equal(1, tracker.PackedConnections);
            }
        }
        Assert.Equal(0, tracker.ParksRefused);

        tracker.Finish();
        unparked.Finish();
        Assert.Equal(synSeen ? RfcState.Established : RfcState.SynSent, Assert.Single(sink.Records).OriginatorState);
        Assert.Equal(Summarise(unparkedSink), Summarise(sink));
    }

    private static string DetailBytes(ConnectionTracker tracker)
    {
        var seen = new List<string>();
        tracker.ForEachConnection((in ConnectionView c) => seen.Add(Convert.ToHexString(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<ConnectionDetail>(in c.Detail)))));
        return Assert.Single(seen);
    }

    /// <summary>A handshake normally completes within a round trip: one of a few pending is not parked on the way.</summary>
    [Fact]
    public void A_handshake_answered_among_few_pending_is_not_parked()
    {
        var conversation = new TcpConversation();
        conversation.Client.Syn();
        conversation.Server.SynAck();
        var tracker = new ConnectionTracker(WithoutTransitions, new ConnectionStatistics());
        foreach (var segment in conversation.Segments)
            tracker.Process(segment);

        tracker.AdvanceTime(Later(conversation, 5));

        Assert.Equal(0, tracker.ParkedConnections);
    }

    /// <summary>
    /// A capture started on a busy server picks most connections up mid-stream, with no ISN: Zeek numbers their
    /// sequence space from a start of its own, which the packed form keeps in the ISN's place. A lone ACK from nowhere
    /// (an ACK flood's connection) is one too.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_connection_picked_up_mid_stream_is_packed_and_comes_back_as_it_was(bool loneAck)
    {
        var conversation = new TcpConversation();
        if (loneAck)
            conversation.Client.Ack();
        else
        {
            conversation.Client.Data(300);
            conversation.Server.Data(1200);
            conversation.Client.Ack();
        }
        int before = conversation.Segments.Count;
        conversation.Wait(2);
        conversation.Server.Data(100);
        conversation.Client.Ack();

        var sink = new RecordingSink();
        var tracker = new ConnectionTracker(WithoutTransitions, sink);
        foreach (var segment in conversation.Segments.Take(before))
            tracker.Process(segment);
        // Two ticks: the sweep asks for a connection's detail to be loaded a tick before it packs it.
        tracker.AdvanceTime(conversation.Segments[before].Timestamp.AddSeconds(-0.9));
        tracker.AdvanceTime(conversation.Segments[before].Timestamp.AddSeconds(-0.5));
        Assert.Equal(1, tracker.PackedConnections);
        Assert.Equal(0, tracker.ParksRefused);
        foreach (var segment in conversation.Segments.Skip(before))
            tracker.Process(segment);
        tracker.Finish();

        var unparkedSink = new RecordingSink();
        var unparked = new ConnectionTracker(WithoutTransitions with { ParkIdleAfterSeconds = null }, unparkedSink);
        foreach (var segment in conversation.Segments)
            unparked.Process(segment);
        unparked.Finish();
        Assert.Equal(Summarise(unparkedSink), Summarise(sink));
    }

    /// <summary>
    /// Every way a packed connection leaves the table: its next packet, the idle timeout, eviction by a full table, a
    /// new SYN on its 4-tuple after it closed, the end of the input; established, and handshakes never completed. Each
    /// record, and their order, must be what it is with parking off. In IPv4, in IPv6, and both at once on the same
    /// ports, so that a lookup must tell packed connections apart by their addresses alone.
    /// </summary>
    [Theory]
    [InlineData("IPv4")]
    [InlineData("IPv6")]
    [InlineData("both")]
    public void Packed_connections_finish_with_the_records_and_in_the_order_they_would_have_had_unpacked(string families)
    {
        var segments = new List<TcpSegment>();
        foreach (var (client, server) in families switch
                 {
                     "IPv4" => [("10.0.0.1", "10.0.0.2")],
                     "IPv6" => [("2001:db8::1", "2001:db8::2")],
                     _ => new[] { ("10.0.0.1", "10.0.0.2"), ("2001:db8::1", "2001:db8::2"), ("2001:db8::3", "2001:db8::2") },
                 })
            AddEveryWayToLeave(segments, client, server);
        var ordered = segments.OrderBy(s => s.Timestamp).ToList();

        foreach (int cap in new[] { 100, 4 })
        {
            var packed = Describe(ordered, WithoutTransitions with { MaxConnections = cap });
            var unparked = Describe(ordered, WithoutTransitions with { MaxConnections = cap, ParkIdleAfterSeconds = null });
            Assert.Equal(unparked, packed);
        }
    }

    private static void AddEveryWayToLeave(List<TcpSegment> segments, string clientAddress, string serverAddress)
    {
        for (int i = 0; i < 6; i++)
        {
            var conversation = new TcpConversation(clientAddress, (ushort)(20_000 + i), serverAddress,
                clientIsn: (uint)(1000 + i * 77), startSeconds: 1_700_000_000 + i * 0.01);
            Establish(conversation);
            var (client, server) = (conversation.Client, conversation.Server);
            switch (i)
            {
                case 0: // idle past the timeout
                    break;
                case 1: // back after a while, then closed
                    conversation.Wait(30);
                    client.Data(10);
                    server.Ack();
                    client.Fin();
                    server.Fin();
                    client.Ack();
                    break;
                case 2: // closed by the client long after, left in CLOSE_WAIT
                    conversation.Wait(20);
                    client.Fin();
                    server.Ack();
                    break;
                case 3: // closed, then its 4-tuple reused after TIME_WAIT would still hold it
                    conversation.Wait(10);
                    client.Fin();
                    server.Fin();
                    client.Ack();
                    var reuse = new TcpConversation(clientAddress, 20_003, serverAddress, clientIsn: 900_000,
                        startSeconds: 1_700_000_015);
                    Establish(reuse);
                    segments.AddRange(reuse.Segments);
                    break;
            }
            segments.AddRange(conversation.Segments);
        }
        for (int i = 0; i < 3; i++)
        {
            var handshake = new TcpConversation(clientAddress, (ushort)(25_000 + i), serverAddress,
                clientIsn: (uint)(5000 + i * 313), startSeconds: 1_700_000_000.5 + i * 0.01);
            handshake.Client.Syn();
            handshake.Server.SynAck();
            switch (i)
            {
                case 1: // completed late
                    handshake.Wait(5);
                    handshake.Client.Ack();
                    handshake.Client.Data(10);
                    break;
                case 2: // given up by the server
                    handshake.Wait(4);
                    handshake.Server.Rst();
                    break;
            }
            segments.AddRange(handshake.Segments);
        }
        var late = new TcpConversation(clientAddress, 30_000, serverAddress, startSeconds: 1_700_000_400);
        Establish(late);
        segments.AddRange(late.Segments);
    }

    /// <summary>The size the memory figure rests on: a million parked connections at 96 bytes each.</summary>
    [Fact]
    public void A_packed_connection_is_96_bytes()
    {
        Assert.Equal(96, System.Runtime.CompilerServices.Unsafe.SizeOf<Connections.PackedConnection>());
    }

    private static readonly AnalysisOptions WithoutTransitions = new() { RecordTransitions = false };

    private static List<string> Describe(List<TcpSegment> segments, AnalysisOptions options)
    {
        var sink = new RecordingSink();
        var tracker = new ConnectionTracker(options, sink);
        long packs = 0;
        foreach (var segment in segments)
        {
            tracker.Process(segment);
            packs = Math.Max(packs, tracker.PackedConnections);
        }
        tracker.Finish();
        if (options.ParkIdleAfterSeconds is not null)
            Assert.True(packs > 0, "nothing was packed");
        return Summarise(sink);
    }

    private static List<string> Summarise(RecordingSink sink) =>
        sink.Records.Select(r =>
            $"{r.Uid} {r.OriginatorAddress} {r.OriginatorPort} {r.ResponderAddress} {r.FinishReason} {r.OriginatorState} {r.ResponderState} {r.ConnState} {r.History} " +
            $"{r.Duration} {r.OriginatorBytes} {r.ResponderBytes} {r.OriginatorPackets} {r.ResponderPackets} {r.Flags}").ToList();

    private static string Visit(ConnectionTracker tracker)
    {
        var seen = new List<string>();
        tracker.ForEachConnection((in ConnectionView c) => seen.Add(
            $"{c.OriginatorState} {c.ResponderState} {c.History} {c.ConnState} {c.OriginatorBytes} {c.ResponderBytes} {c.Duration}"));
        return Assert.Single(seen);
    }

    private static string VisitWithAddresses(ConnectionTracker tracker)
    {
        var seen = new List<string>();
        tracker.ForEachConnection((in ConnectionView c) => seen.Add(
            $"{c.OriginatorAddress} {c.OriginatorPort} {c.ResponderAddress} {c.Identity.Uid} {c.OriginatorState} " +
            $"{c.ResponderState} {c.History} {c.OriginatorBytes} {c.ResponderBytes} {c.Duration}"));
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
