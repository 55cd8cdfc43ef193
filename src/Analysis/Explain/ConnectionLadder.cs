using TcpState.Analysis.Records;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Explain;

/// <summary>
/// One connection as a ladder (sequence) diagram: every packet, each side's RFC state changes placed at the packet
/// whose time they carry, and annotations. The state changes are exactly the record's transitions, in order.
/// </summary>
public sealed class ConnectionLadder
{
    /// <summary>Runs of more plain data/ACK packets than this are folded (unless all packets are asked for).</summary>
    public const int FoldThreshold = 6;

    /// <summary>A folded run keeps this many packets visible at each end, so the reader sees how it starts and ends.</summary>
    public const int FoldKeep = 2;

    private readonly List<LadderAnnotation> _annotations;

    internal ConnectionLadder(ConnectionIdentity identity, ConnectionRecord record, IReadOnlyList<LadderPacket> packets,
        IReadOnlyList<LadderStateChange> stateChanges, List<LadderAnnotation> annotations, double timeWaitSeconds)
    {
        Identity = identity;
        Record = record;
        Packets = packets;
        StateChanges = stateChanges;
        _annotations = annotations;
        TimeWaitSeconds = timeWaitSeconds;
    }

    public ConnectionIdentity Identity { get; }

    /// <summary>The connection's final record, as <c>tcpstate read</c> writes it.</summary>
    public ConnectionRecord Record { get; }

    public IReadOnlyList<LadderPacket> Packets { get; }

    /// <summary>Both sides' state changes in the order they happened; each side's equal its transitions in <see cref="Record"/>.</summary>
    public IReadOnlyList<LadderStateChange> StateChanges { get; }

    public IReadOnlyList<LadderAnnotation> Annotations => _annotations;

    /// <summary>2MSL: how long TIME_WAIT lasts in this analysis.</summary>
    public double TimeWaitSeconds { get; }

    /// <summary>The time of the capture's last packet (of any connection): what a state still open at the end is compared with.</summary>
    public PacketTime CaptureEnd { get; internal set; }

    /// <summary>
    /// Adds a note at a time (placed at the packet seen at or just before it) or at a packet. This is how anomaly
    /// detectors' findings reach the ladder.
    /// </summary>
    public void Annotate(LadderAnnotation annotation) => _annotations.Add(annotation);

    /// <summary>The side's ISN: the sequence number of its first SYN, or null when it sent none.</summary>
    public uint? Isn(LadderSide side)
    {
        foreach (var packet in Packets)
            if (packet.Sender == side && packet.Has(TcpFlags.Syn) && !packet.Has(TcpFlags.Rst))
                return packet.Sequence;
        return null;
    }

    /// <summary>
    /// What the side's sequence numbers are shown relative to: its ISN, as Wireshark does. A side that sent no SYN is
    /// numbered as if its SYN came just before its first segment (so its first byte is 1), except when that first
    /// segment is a RST: a RST answering a SYN has no sequence space of its own (RFC 9293 §3.10.7.1 sends it with
    /// SEQ=0), so such a side's numbers are shown raw.
    /// </summary>
    public uint SequenceBase(LadderSide side)
    {
        if (Isn(side) is { } isn)
            return isn;
        foreach (var packet in Packets)
            if (packet.Sender == side)
                return packet.Has(TcpFlags.Rst) ? 0 : packet.Sequence - 1;
        return 0;
    }

    /// <summary>The rows of the ladder in time order; long runs of plain data/ACK packets fold unless <paramref name="all"/>.</summary>
    public IReadOnlyList<LadderStep> Steps(bool all = false)
    {
        uint originatorBase = SequenceBase(LadderSide.Originator), responderBase = SequenceBase(LadderSide.Responder);
        var changesAt = new List<LadderStateChange>[Packets.Count];
        var timers = new List<LadderStateChange>();
        foreach (var change in StateChanges)
        {
            if (change.PacketIndex < 0) timers.Add(change);
            else (changesAt[change.PacketIndex] ??= []).Add(change);
        }
        timers.Sort((x, y) => x.Time.CompareTo(y.Time));
        var annotationsAt = new List<LadderAnnotation>[Packets.Count];
        foreach (var annotation in _annotations)
        {
            int index = annotation.PacketIndex >= 0 ? annotation.PacketIndex : PacketAtOrBefore(annotation.Time);
            if (index >= 0) (annotationsAt[index] ??= []).Add(annotation);
        }

        var steps = new List<LadderStep>(Packets.Count + timers.Count);
        int nextTimer = 0;
        for (int i = 0; i < Packets.Count; i++)
        {
            var packet = Packets[i];
            bool originator = packet.FromOriginator;
            uint relativeSequence = packet.Sequence - (originator ? originatorBase : responderBase);
            uint? relativeAck = packet.Has(TcpFlags.Ack) ? packet.Acknowledgment - (originator ? responderBase : originatorBase) : null;
            steps.Add(new PacketStep(packet, relativeSequence, relativeAck,
                (IReadOnlyList<LadderStateChange>?)changesAt[i] ?? [], (IReadOnlyList<LadderAnnotation>?)annotationsAt[i] ?? []));
            // A timer fires after the last packet seen before it.
            bool lastBefore = i + 1 == Packets.Count || Packets[i + 1].Time > packet.Time;
            while (lastBefore && nextTimer < timers.Count && (i + 1 == Packets.Count || timers[nextTimer].Time < Packets[i + 1].Time))
            {
                var at = timers[nextTimer].Time;
                var group = new List<LadderStateChange>();
                while (nextTimer < timers.Count && timers[nextTimer].Time == at)
                    group.Add(timers[nextTimer++]);
                steps.Add(new TimerStep(at, group));
            }
        }
        return all ? steps : Fold(steps);
    }

    /// <summary>The index of the last packet at or before <paramref name="time"/> (the first packet if all are later).</summary>
    private int PacketAtOrBefore(PacketTime time)
    {
        int found = Packets.Count > 0 ? 0 : -1;
        for (int i = 0; i < Packets.Count && Packets[i].Time <= time; i++)
            found = i;
        return found;
    }

    /// <summary>
    /// A plain packet carries only ACK (and PSH), changes no state and has nothing notable but possibly being a
    /// retransmission. Runs of more than <see cref="FoldThreshold"/> of them keep <see cref="FoldKeep"/> at each end
    /// and fold the rest into one <see cref="FoldedStep"/>.
    /// </summary>
    private static List<LadderStep> Fold(List<LadderStep> steps)
    {
        var folded = new List<LadderStep>(steps.Count);
        int i = 0;
        while (i < steps.Count)
        {
            int end = i;
            while (end < steps.Count && steps[end] is PacketStep step && IsPlain(step))
                end++;
            int run = end - i;
            if (run > FoldThreshold)
            {
                for (int k = i; k < i + FoldKeep; k++) folded.Add(steps[k]);
                folded.Add(Summarise(steps, i + FoldKeep, end - FoldKeep));
                for (int k = end - FoldKeep; k < end; k++) folded.Add(steps[k]);
            }
            else
            {
                for (int k = i; k < end; k++) folded.Add(steps[k]);
            }
            if (end == i)
                folded.Add(steps[end++]);
            i = end;
        }
        return folded;
    }

    private static bool IsPlain(PacketStep step)
    {
        const TcpFlags plainFlags = TcpFlags.Ack | TcpFlags.Psh;
        if (!step.Packet.Has(TcpFlags.Ack) || (step.Packet.Flags & ~plainFlags) != 0 || step.StateChanges.Count > 0)
            return false;
        foreach (var annotation in step.Annotations)
            if (annotation.Kind != LadderEventKind.Retransmission)
                return false;
        var facts = step.Packet.Facts;
        return !(facts.KeepAlive || facts.ZeroWindow || facts.ZeroWindowProbe || facts.BadChecksum);
    }

    private static FoldedStep Summarise(List<LadderStep> steps, int from, int to)
    {
        int originatorSegments = 0, responderSegments = 0, pureAcks = 0, retransmissions = 0;
        ulong originatorBytes = 0, responderBytes = 0;
        for (int k = from; k < to; k++)
        {
            var packet = ((PacketStep)steps[k]).Packet;
            if (packet.PayloadLength == 0) pureAcks++;
            else if (packet.FromOriginator)
            {
                originatorSegments++;
                originatorBytes += (ulong)packet.PayloadLength;
            }
            else
            {
                responderSegments++;
                responderBytes += (ulong)packet.PayloadLength;
            }
            if (packet.Facts.Retransmission) retransmissions++;
        }
        var first = ((PacketStep)steps[from]).Packet;
        var last = ((PacketStep)steps[to - 1]).Packet;
        return new FoldedStep(first.Time)
        {
            FirstIndex = first.Index,
            LastIndex = last.Index,
            End = last.Time,
            OriginatorDataSegments = originatorSegments,
            ResponderDataSegments = responderSegments,
            OriginatorBytes = originatorBytes,
            ResponderBytes = responderBytes,
            PureAcks = pureAcks,
            Retransmissions = retransmissions,
        };
    }
}
