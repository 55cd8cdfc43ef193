using TcpState.Capture.Decoding;

namespace TcpState.Bench.Generator;

/// <summary>
/// A spoofed SYN flood toward one listener: bare SYNs (no options, as flood tools send them) from distinct sources at a
/// steady rate, and the listener answering a share of them with a SYN-cookie SYN-ACK (MSS only, never retransmitted:
/// Linux keeps no state for it). Nobody answers the SYN-ACKs: the sources do not exist. With <paramref name="refused"/>
/// nothing listens on the port and the answer is the RST+ACK Linux sends for a closed port (sequence number 0, as the
/// SYN carried no ACK to take one from). With <paramref name="ipv6"/> the sources and the listener are IPv6. With
/// <paramref name="synAckRetries"/> the listener keeps state for each SYN it answers, as without SYN cookies, and
/// retransmits its SYN-ACK that many times on Linux's backoff (1, 3, 7, 15, 31 s after the first).
/// </summary>
public sealed class FloodBurst(TraceWriter writer, SeededRandom random, long syns, double synsPerSecond, double answeredShare,
    bool refused = false, bool ipv6 = false, int synAckRetries = 0)
{
    public const long Finished = -1;
    public const int MaxSynAckRetries = 5;
    private const ushort CookieMss = 1460;
    private const long AnswerDelayNs = 4_000;

    private readonly SpoofedSources _sources = new(random.NextUInt64());
    private readonly double _gapNs = 1e9 / synsPerSecond;
    private FlowPath _pending;
    private uint _pendingSequence;
    private bool _answerPending;
    private long _startNs = -1;

    /// <summary>Each retransmission's delay after the first SYN-ACK is the same for every handshake, so one queue per retry is in time order.</summary>
    private readonly Queue<Retransmission>[] _retries = Enumerable.Range(0, synAckRetries).Select(_ => new Queue<Retransmission>()).ToArray();

    private readonly record struct Retransmission(long DueNs, FlowPath Path, uint ServerIsn, uint ClientSequence);

    /// <summary>The listener flooded.</summary>
    public IpAddress Target => ipv6 ? AddressPlan.FloodTargetIpv6 : AddressPlan.FloodTarget;

    public long SynsSent { get; private set; }
    public long SynAcksSent { get; private set; }
    public long SynAcksRetransmitted { get; private set; }
    public long RstsSent { get; private set; }

    /// <summary>Steps <see cref="Step"/> takes at most: a SYN, its answer and the answer's retransmissions per source.</summary>
    public long MaxSteps => (2 + synAckRetries) * syns;

    /// <summary>Sends the next packet of the flood at <paramref name="now"/>; returns when the next is due, or <see cref="Finished"/>.</summary>
    public long Step(long now)
    {
        if (_startNs < 0) _startNs = now;
        if (_answerPending)
        {
            _answerPending = false;
            if (refused)
            {
                writer.RawSegment(_pending, now, fromClient: false, 0, _pendingSequence + 1, TcpFlags.Rst | TcpFlags.Ack, 0,
                    TcpOptionLayout.None, 0, 0);
                RstsSent++;
            }
            else
            {
                uint isn = random.NextUInt32();
                SendSynAck(_pending, now, isn, _pendingSequence);
                SynAcksSent++;
                for (int level = 0; level < synAckRetries; level++)
                    _retries[level].Enqueue(new Retransmission(now + ((2L << level) - 1) * 1_000_000_000, _pending, isn,
                        _pendingSequence));
            }
            return Next();
        }

        if (EarliestRetry() is var retry and >= 0 && (SynsSent >= syns || _retries[retry].Peek().DueNs < NextSynNs))
        {
            var again = _retries[retry].Dequeue();
            SendSynAck(again.Path, now, again.ServerIsn, again.ClientSequence);
            SynAcksRetransmitted++;
            return Next();
        }

        _pending = new FlowPath
        {
            Client = ipv6 ? AddressPlan.SpoofedIpv6(_sources.Next()) : _sources.Next(),
            ClientPort = (ushort)random.Between(1024, 65535),
            Server = Target,
            ServerPort = AddressPlan.FloodTargetPort,
            ClientTtl = (byte)random.Between(40, 250),
        };
        _pendingSequence = random.NextUInt32();
        writer.RawSegment(_pending, now, fromClient: true, _pendingSequence, 0, TcpFlags.Syn, 512, TcpOptionLayout.None, 0,
            (ushort)random.NextUInt32());
        SynsSent++;
        if (random.Chance(answeredShare))
        {
            _answerPending = true;
            return now + AnswerDelayNs;
        }
        return Next();
    }

    /// <summary>The listener's SYN-ACK to the SYN at <paramref name="clientSequence"/>: a retransmission repeats the first.</summary>
    private void SendSynAck(in FlowPath path, long now, uint isn, uint clientSequence) =>
        writer.RawSegment(path, now, fromClient: false, isn, clientSequence + 1, TcpFlags.Syn | TcpFlags.Ack, 64240,
            TcpOptionLayout.MssOnly, CookieMss, 0);

    private long NextSynNs => _startNs + (long)(SynsSent * _gapNs);

    /// <summary>The retry queue whose head is due first, or -1 when none waits.</summary>
    private int EarliestRetry()
    {
        int earliest = -1;
        for (int retry = 0; retry < _retries.Length; retry++)
            if (_retries[retry].Count > 0 && (earliest < 0 || _retries[retry].Peek().DueNs < _retries[earliest].Peek().DueNs))
                earliest = retry;
        return earliest;
    }

    /// <summary>When the next packet is due: the next SYN or retransmission, whichever is first; never before the last written.</summary>
    private long Next()
    {
        long next = SynsSent >= syns ? long.MaxValue : NextSynNs;
        if (EarliestRetry() is var retry and >= 0)
            next = Math.Min(next, _retries[retry].Peek().DueNs);
        return next == long.MaxValue ? Finished : Math.Max(next, writer.LastNs);
    }
}
