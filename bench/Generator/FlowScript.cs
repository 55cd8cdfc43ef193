using TcpState.Capture.Decoding;

namespace TcpState.Bench.Generator;

/// <summary>
/// Each flow's life as a script, one packet per step: <see cref="Step"/> sends the packet the flow's phase calls for and
/// says when the next one is due. The timing is what a capture next to the servers would show: the server's kernel
/// answers in tens of microseconds, the client's answers come a round trip later, responses leave in slow-start flights
/// the client acknowledges every second segment (delayed ACK).
/// </summary>
public sealed class FlowScript(TraceWriter writer, TrafficMix mix, SeededRandom random)
{
    public const long Finished = -1;

    private const long Second = 1_000_000_000;
    private const int InitialCwnd = 10;
    private const int MaxCwnd = 64;

    /// <summary>Starts <paramref name="flow"/> as a new connection of <paramref name="kind"/>.</summary>
    public void Open(ref Flow flow, FlowKind kind, in FlowPath path)
    {
        flow = default;
        flow.Kind = kind;
        flow.Path = path;
        flow.Phase = Phase.Syn;
        flow.Close = mix.Close(random);
        flow.LongLived = kind is FlowKind.Complete or FlowKind.Reset or FlowKind.CloseWaitLinger && random.Chance(TrafficMix.LongLivedShare);
        flow.ClientResets = random.Chance(0.5);
        flow.ClientIsn = random.NextUInt32();
        flow.ServerIsn = random.NextUInt32();
        flow.ClientTsBase = random.NextUInt32();
        flow.ServerTsBase = random.NextUInt32();
        flow.ClientIpId = (ushort)random.NextUInt32();
        flow.ServerIpId = (ushort)random.NextUInt32();
        flow.Mss = path.IsIpv6 ? (ushort)1440 : (ushort)1460;
        flow.RttNs = TrafficMix.RoundTrip(random);
        flow.ThinkMeanNs = mix.ThinkMean(flow.LongLived);
        flow.ExchangesLeft = kind == FlowKind.HoldOpen ? 1 : TrafficMix.Exchanges(random, flow.LongLived);
        // Linux: tcp_syn_retries 6 (1, 2, 4, 8, 16, 32 s), tcp_synack_retries 5 (1, 2, 4, 8, 16 s); some give up sooner.
        flow.MaxRetries = kind == FlowKind.Unanswered ? random.Between(2, 6) : random.Between(3, 5);
    }

    /// <summary>Sends the flow's next packet at <paramref name="now"/>; returns when the one after is due, or <see cref="Finished"/>.</summary>
    public long Step(ref Flow f, long now)
    {
        switch (f.Phase)
        {
            case Phase.Syn:
            case Phase.SynRetransmit:
                Client(ref f, now, f.ClientIsn, 0, TcpFlags.Syn);
                f.ClientNext = f.ClientIsn + 1;
                if (f.Kind == FlowKind.Refused)
                    return Next(ref f, Phase.RefuseRst, now + TrafficMix.KernelTurnaround(random));
                if (f.Kind == FlowKind.Unanswered)
                    return Retransmission(ref f, Phase.SynRetransmit, now);
                return Next(ref f, Phase.SynAck, now + TrafficMix.KernelTurnaround(random));

            case Phase.SynAck:
            case Phase.SynAckRetransmit:
                Server(ref f, now, f.ServerIsn, f.ClientNext, TcpFlags.Syn | TcpFlags.Ack);
                f.ServerNext = f.ServerIsn + 1;
                if (f.Kind == FlowKind.HalfOpen)
                    return Retransmission(ref f, Phase.SynAckRetransmit, now);
                return Next(ref f, Phase.HandshakeAck, now + f.RttNs);

            case Phase.RefuseRst:
                writer.Segment(ref f, now, fromClient: false, 0, f.ClientNext, TcpFlags.Rst | TcpFlags.Ack);
                return Finished;

            case Phase.HandshakeAck:
                Client(ref f, now, f.ClientNext, f.ServerNext, TcpFlags.Ack);
                return Next(ref f, Phase.Request, now + (long)random.LogUniform(5_000, 200_000));

            case Phase.Request:
            {
                int length = TrafficMix.RequestSize(random, f.SegmentSize);
                Client(ref f, now, f.ClientNext, f.ServerNext, TcpFlags.Psh | TcpFlags.Ack, length);
                f.ClientNext += (uint)length;
                f.ResponseLeft = f.Kind == FlowKind.HoldOpen ? (int)random.LogUniform(100, 1_400)
                    : TrafficMix.ResponseSize(random, f.LongLived);
                f.Cwnd = InitialCwnd;
                StartFlight(ref f);
                return Next(ref f, Phase.ResponseSegment, now + TrafficMix.ServerProcessing(random));
            }

            case Phase.ResponseSegment:
            {
                if (f.FlightSent == 0)
                    f.FlightStartNs = now;
                int length = Math.Min(f.SegmentSize, f.ResponseLeft);
                bool last = length == f.ResponseLeft;
                Server(ref f, now, f.ServerNext, f.ClientNext, last ? TcpFlags.Psh | TcpFlags.Ack : TcpFlags.Ack, length);
                f.ServerNext += (uint)length;
                f.ResponseLeft -= length;
                f.FlightSent++;
                if (f.FlightSent < f.FlightSegments)
                    return now + TrafficMix.Serialization(length);
                f.AcksSent = 0;
                // The first acknowledgment leaves the client a round trip after the flight's first segment.
                return Next(ref f, Phase.ResponseAck, Math.Max(now + 5_000, f.FlightStartNs + f.RttNs));
            }

            case Phase.ResponseAck:
            {
                f.AcksSent++;
                uint flightBytes = f.ServerNext - f.FlightStartSequence;
                uint acked = Math.Min((uint)(2 * f.AcksSent * f.SegmentSize), flightBytes);
                Client(ref f, now, f.ClientNext, f.FlightStartSequence + acked, TcpFlags.Ack);
                if (acked < flightBytes)
                    return now + 2 * TrafficMix.Serialization(f.SegmentSize);
                if (f.ResponseLeft > 0)
                {
                    f.Cwnd = Math.Min(MaxCwnd, f.Cwnd * 2);
                    StartFlight(ref f);
                    return Next(ref f, Phase.ResponseSegment, now + TrafficMix.KernelTurnaround(random));
                }
                if (--f.ExchangesLeft > 0)
                    return Next(ref f, Phase.Request, now + TrafficMix.Think(random, f.ThinkMeanNs));
                return Ending(ref f, now);
            }

            case Phase.ClientFin:
                Client(ref f, now, f.ClientNext, f.ServerNext, TcpFlags.Fin | TcpFlags.Ack);
                f.ClientNext++;
                return f.Kind == FlowKind.Complete && f.Close == CloseStyle.ThreeWay
                    ? Next(ref f, Phase.ServerFinAckThreeWay, now + TrafficMix.KernelTurnaround(random))
                    : Next(ref f, Phase.ServerAckOfClientFin, now + TrafficMix.KernelTurnaround(random));

            case Phase.ServerAckOfClientFin:
                Server(ref f, now, f.ServerNext, f.ClientNext, TcpFlags.Ack);
                // A server that never calls close(): CLOSE_WAIT from here to the end of the capture.
                if (f.Kind == FlowKind.CloseWaitLinger)
                    return Finished;
                return Next(ref f, Phase.ServerFin, now + TrafficMix.ApplicationClose(random));

            case Phase.ServerFin:
            case Phase.ServerFinAckThreeWay:
                Server(ref f, now, f.ServerNext, f.ClientNext, TcpFlags.Fin | TcpFlags.Ack);
                f.ServerNext++;
                return Next(ref f, Phase.ClientLastAck, now + f.RttNs);

            case Phase.ClientLastAck:
                Client(ref f, now, f.ClientNext, f.ServerNext, TcpFlags.Ack);
                return Finished;

            case Phase.ServerFinFirst:
                Server(ref f, now, f.ServerNext, f.ClientNext, TcpFlags.Fin | TcpFlags.Ack);
                f.ServerNext++;
                return Next(ref f, Phase.ClientAckOfServerFin, now + f.RttNs);

            case Phase.ClientAckOfServerFin:
                Client(ref f, now, f.ClientNext, f.ServerNext, TcpFlags.Ack);
                return Next(ref f, Phase.ClientFinSecond, now + TrafficMix.ApplicationClose(random));

            case Phase.ClientFinSecond:
                Client(ref f, now, f.ClientNext, f.ServerNext, TcpFlags.Fin | TcpFlags.Ack);
                f.ClientNext++;
                return Next(ref f, Phase.ServerLastAck, now + TrafficMix.KernelTurnaround(random));

            case Phase.ServerLastAck:
                Server(ref f, now, f.ServerNext, f.ClientNext, TcpFlags.Ack);
                return Finished;

            // Crossing FINs: each FIN's ACK field does not cover the other's FIN, which was still in flight.
            case Phase.CrossingServerFin:
                Server(ref f, now, f.ServerNext, f.ClientNext, TcpFlags.Fin | TcpFlags.Ack);
                f.ServerNext++;
                return Next(ref f, Phase.CrossingClientFin, now + Math.Min(f.RttNs / 4, 50_000));

            case Phase.CrossingClientFin:
                Client(ref f, now, f.ClientNext, f.ServerNext - 1, TcpFlags.Fin | TcpFlags.Ack);
                f.ClientNext++;
                return Next(ref f, Phase.CrossingServerAck, now + TrafficMix.KernelTurnaround(random));

            case Phase.CrossingServerAck:
                Server(ref f, now, f.ServerNext, f.ClientNext, TcpFlags.Ack);
                return Next(ref f, Phase.CrossingClientAck, now + f.RttNs);

            case Phase.CrossingClientAck:
                Client(ref f, now, f.ClientNext, f.ServerNext, TcpFlags.Ack);
                return Finished;

            case Phase.Reset:
                if (f.ClientResets)
                    Client(ref f, now, f.ClientNext, f.ServerNext, TcpFlags.Rst | TcpFlags.Ack);
                else
                    Server(ref f, now, f.ServerNext, f.ClientNext, TcpFlags.Rst | TcpFlags.Ack);
                return Finished;

            default:
                return Finished;
        }
    }

    /// <summary>The last exchange is over: close, abort, or (held open) stop sending.</summary>
    private long Ending(ref Flow f, long now)
    {
        long idle = TrafficMix.Think(random, f.ThinkMeanNs / 2);
        switch (f.Kind)
        {
            case FlowKind.HoldOpen:
                return Finished;
            case FlowKind.Reset:
                return Next(ref f, Phase.Reset, now + TrafficMix.ApplicationClose(random));
            case FlowKind.CloseWaitLinger:
                return Next(ref f, Phase.ClientFin, now + idle);
        }
        return f.Close switch
        {
            CloseStyle.ServerFirst => Next(ref f, Phase.ServerFinFirst, now + TrafficMix.ApplicationClose(random)),
            CloseStyle.Simultaneous => Next(ref f, Phase.CrossingServerFin, now + idle),
            _ => Next(ref f, Phase.ClientFin, now + idle),
        };
    }

    /// <summary>Retransmission with exponential backoff from a 1 s RTO (RFC 6298), until the sender gives up.</summary>
    private static long Retransmission(ref Flow f, Phase phase, long now)
    {
        if (f.Phase == phase)
            f.Retries++;
        if (f.Retries >= f.MaxRetries)
            return Finished;
        f.Phase = phase;
        return now + (Second << f.Retries);
    }

    private static void StartFlight(ref Flow f)
    {
        int segmentsLeft = (f.ResponseLeft + f.SegmentSize - 1) / f.SegmentSize;
        f.FlightSegments = Math.Min(f.Cwnd, segmentsLeft);
        f.FlightSent = 0;
        f.FlightStartSequence = f.ServerNext;
    }

    private static long Next(ref Flow f, Phase phase, long at)
    {
        f.Phase = phase;
        return at;
    }

    private void Client(ref Flow f, long now, uint sequence, uint acknowledgment, TcpFlags flags, int payload = 0) =>
        writer.Segment(ref f, now, fromClient: true, sequence, acknowledgment, flags, payload);

    private void Server(ref Flow f, long now, uint sequence, uint acknowledgment, TcpFlags flags, int payload = 0) =>
        writer.Segment(ref f, now, fromClient: false, sequence, acknowledgment, flags, payload);
}
