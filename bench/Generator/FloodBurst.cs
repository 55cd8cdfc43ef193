using TcpState.Capture.Decoding;

namespace TcpState.Bench.Generator;

/// <summary>
/// A spoofed SYN flood toward one listener: bare SYNs (no options, as flood tools send them) from distinct sources at a
/// steady rate, and the listener answering a share of them with a SYN-cookie SYN-ACK (MSS only, never retransmitted:
/// Linux keeps no state for it). Nobody answers the SYN-ACKs: the sources do not exist. With <paramref name="refused"/>
/// nothing listens on the port and the answer is the RST+ACK Linux sends for a closed port (sequence number 0, as the
/// SYN carried no ACK to take one from).
/// </summary>
public sealed class FloodBurst(TraceWriter writer, SeededRandom random, long syns, double synsPerSecond, double answeredShare,
    bool refused = false)
{
    public const long Finished = -1;
    private const ushort CookieMss = 1460;
    private const long AnswerDelayNs = 4_000;

    private readonly SpoofedSources _sources = new(random.NextUInt64());
    private readonly double _gapNs = 1e9 / synsPerSecond;
    private FlowPath _pending;
    private uint _pendingSequence;
    private bool _answerPending;
    private long _startNs = -1;

    public long SynsSent { get; private set; }
    public long SynAcksSent { get; private set; }
    public long RstsSent { get; private set; }

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
                writer.RawSegment(_pending, now, fromClient: false, random.NextUInt32(), _pendingSequence + 1,
                    TcpFlags.Syn | TcpFlags.Ack, 64240, TcpOptionLayout.MssOnly, CookieMss, 0);
                SynAcksSent++;
            }
            return NextSyn();
        }

        _pending = new FlowPath
        {
            Client = _sources.Next(),
            ClientPort = (ushort)random.Between(1024, 65535),
            Server = AddressPlan.FloodTarget,
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
        return NextSyn();
    }

    private long NextSyn() =>
        SynsSent >= syns ? Finished : Math.Max(_startNs + (long)(SynsSent * _gapNs), writer.LastNs);
}
