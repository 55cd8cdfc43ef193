using TcpState.Analysis.Records;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

/// <summary>
/// Builds the segments of a TCP conversation between a client and a server, keeping each side's sequence and
/// acknowledgment numbers the way a real stack would, so tests read like a ladder diagram:
/// <c>client.Syn(); server.SynAck(); client.Ack();</c>. Each segment is one millisecond after the previous one.
/// </summary>
internal sealed class TcpConversation
{
    private readonly List<TcpSegment> _segments = [];
    private long _clockNs;

    public TcpConversation(string clientAddress = "10.0.0.1", ushort clientPort = 40000,
        string serverAddress = "10.0.0.2", ushort serverPort = 80, uint clientIsn = 1000, uint serverIsn = 5000,
        double startSeconds = 1_700_000_000)
    {
        _clockNs = (long)(startSeconds * 1e9);
        Client = new Peer(this, IpAddress.Parse(clientAddress), clientPort, clientIsn);
        Server = new Peer(this, IpAddress.Parse(serverAddress), serverPort, serverIsn);
        Client.Other = Server;
        Server.Other = Client;
    }

    public Peer Client { get; }
    public Peer Server { get; }

    public IReadOnlyList<TcpSegment> Segments => _segments;

    /// <summary>Lets packet time pass before the next segment.</summary>
    public void Wait(double seconds) => _clockNs += (long)(seconds * 1e9);

    internal TcpSegment Emit(TcpSegment segment)
    {
        _clockNs += 1_000_000;
        segment.Timestamp = new PacketTime(_clockNs);
        _segments.Add(segment);
        return segment;
    }

    /// <summary>Runs the segments through a tracker and returns the finished records in the order they were written.</summary>
    public List<ConnectionRecord> Analyse(AnalysisOptions? options = null, IEnumerable<TcpSegment>? extra = null)
    {
        var sink = new RecordingSink();
        var tracker = new ConnectionTracker(options ?? new AnalysisOptions(), sink);
        foreach (var segment in _segments.Concat(extra ?? []))
            tracker.Process(segment);
        tracker.Finish();
        return sink.Records;
    }

    public ConnectionRecord AnalyseSingle(AnalysisOptions? options = null) => Assert.Single(Analyse(options));

    public sealed class Peer
    {
        private readonly TcpConversation _conversation;

        internal Peer(TcpConversation conversation, IpAddress address, ushort port, uint isn)
        {
            _conversation = conversation;
            Address = address;
            Port = port;
            Isn = isn;
            NextSeq = isn;
        }

        public Peer Other { get; internal set; } = null!;
        public IpAddress Address { get; }
        public ushort Port { get; }
        public uint Isn { get; private set; }
        public uint NextSeq { get; set; }
        /// <summary>What this peer acknowledges: the next byte it expects from the other.</summary>
        public uint AckNumber { get; set; }
        public ushort Window { get; set; } = 64240;
        public sbyte WindowScale { get; set; } = 7;

        public TcpSegment Syn(int payload = 0, bool fastOpenCookie = false)
        {
            var options = TcpOptions.None;
            options.Mss = 1460;
            options.WindowScale = WindowScale;
            if (fastOpenCookie)
            {
                options.HasFastOpen = true;
                options.FastOpenCookieLength = 8;
            }
            return Send(TcpFlags.Syn, payload, options: options, seq: Isn);
        }

        public TcpSegment SynAck(uint? ack = null)
        {
            AckNumber = ack ?? Other.NextSeq;
            var options = TcpOptions.None;
            options.Mss = 1460;
            options.WindowScale = WindowScale;
            return Send(TcpFlags.Syn | TcpFlags.Ack, 0, options: options, seq: Isn);
        }

        public TcpSegment Ack(uint? ack = null) => Send(TcpFlags.Ack, 0, ack: ack);

        public TcpSegment Data(int length, TcpFlags extra = TcpFlags.Psh) => Send(TcpFlags.Ack | extra, length);

        public TcpSegment Fin() => Send(TcpFlags.Fin | TcpFlags.Ack, 0);

        public TcpSegment FinWithData(int length) => Send(TcpFlags.Fin | TcpFlags.Ack | TcpFlags.Psh, length);

        public TcpSegment Rst(uint? seq = null, bool withAck = true) =>
            Send(withAck ? TcpFlags.Rst | TcpFlags.Ack : TcpFlags.Rst, 0, seq: seq);

        /// <summary>A segment with arbitrary flags and numbers, for the odd cases.</summary>
        public TcpSegment Raw(TcpFlags flags, uint seq, uint ack, int payload = 0, ushort? window = null,
            ChecksumStatus checksum = ChecksumStatus.Valid) =>
            _conversation.Emit(Make(flags, seq, ack, payload, TcpOptions.None, window ?? Window, checksum));

        /// <summary>Sends again what was sent at <paramref name="seq"/> (a retransmission): the sequence state does not move.</summary>
        public TcpSegment Retransmit(TcpFlags flags, uint seq, int payload) =>
            _conversation.Emit(Make(flags, seq, AckNumber, payload, TcpOptions.None, Window, ChecksumStatus.Valid));

        /// <summary>Starts over with a new ISN (a new connection on the same 4-tuple).</summary>
        public void Reopen(uint isn)
        {
            Isn = isn;
            NextSeq = isn;
            AckNumber = 0;
        }

        private TcpSegment Send(TcpFlags flags, int payload, TcpOptions? options = null, uint? seq = null, uint? ack = null)
        {
            uint sequence = seq ?? NextSeq;
            if ((flags & TcpFlags.Syn) != 0)
            {
                // A SYN is sent with the ISN; anything the SYN carries follows it.
                NextSeq = sequence + 1 + (uint)payload;
            }
            else if ((flags & TcpFlags.Rst) == 0)
                NextSeq = sequence + (uint)payload + ((flags & TcpFlags.Fin) != 0 ? 1u : 0u);
            if (ack is { } explicitAck)
                AckNumber = explicitAck;
            else if ((flags & TcpFlags.Ack) != 0 && (flags & TcpFlags.Syn) == 0)
                AckNumber = Other.NextSeq;
            var segment = Make(flags, sequence, (flags & TcpFlags.Ack) != 0 ? AckNumber : 0, payload, options ?? TcpOptions.None,
                Window, ChecksumStatus.Valid);
            return _conversation.Emit(segment);
        }

        private TcpSegment Make(TcpFlags flags, uint seq, uint ack, int payload, TcpOptions options, ushort window,
            ChecksumStatus checksum) => new()
        {
            Source = Address,
            Destination = Other.Address,
            SourcePort = Port,
            DestinationPort = Other.Port,
            Sequence = seq,
            Acknowledgment = ack,
            Flags = flags,
            Window = window,
            PayloadLength = payload,
            CapturedPayloadLength = payload,
            Options = options,
            Checksum = checksum,
            IpVersion = Address.IsIpv4 ? (byte)4 : (byte)6,
            Ttl = 64,
        };
    }
}

internal sealed class RecordingSink : IConnectionSink
{
    public List<ConnectionRecord> Records { get; } = [];

    public void OnConnection(in ConnectionView connection) => Records.Add(connection.ToRecord());
}

internal static class RecordAssertions
{
    public static string[] States(this IReadOnlyList<StateChange> transitions) =>
        transitions.Select(t => t.State.ToRfcName()).ToArray();
}
