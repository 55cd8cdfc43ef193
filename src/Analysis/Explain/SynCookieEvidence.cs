using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Explain;

public enum SynCookieSign : byte
{
    /// <summary>The SYN offered window scaling or SACK without timestamps; the SYN-ACK dropped both.</summary>
    OptionsDropped,
    /// <summary>Unanswered and never resent, though the same listener resent other SYN-ACKs and the capture ran on.</summary>
    NeverRetransmitted,
}

/// <summary>
/// Why a SYN-ACK looks like a SYN cookie. A listener whose SYN queue is full (a SYN flood) answers with a cookie:
/// the SYN-ACK's ISN encodes what the listener must remember, and it keeps no state, so
/// <list type="bullet">
/// <item>it can remember the SYN's window scale and SACK-permitted only inside the TCP timestamp; when the SYN had no
/// timestamps Linux leaves both out of the SYN-ACK (tcp_conn_request clears the options), where a listener keeping
/// state echoes them — <see cref="SynCookieSign.OptionsDropped"/>;</item>
/// <item>it never retransmits the SYN-ACK — <see cref="SynCookieSign.NeverRetransmitted"/> when the SYN-ACK got no
/// answer at all, the same listener did retransmit other SYN-ACKs in this capture (so it is one that retransmits),
/// and the capture runs on for at least twice that listener's retransmission delay.</item>
/// </list>
/// Either sign is only judged on a SYN-ACK that was sent exactly once. Two hints people often quote are not used:
/// the SYN-ACK's MSS option is the listener's own (the cookie's MSS table clamps the client's MSS inside the ISN, which
/// the wire does not show), and the options Linux hides in the timestamp's low 6 bits are masked by the per-connection
/// timestamp offset of current kernels.
/// </summary>
public sealed record SynCookieEvidence(SynCookieSign Sign)
{
    /// <summary>The SYN offered window scaling (for <see cref="SynCookieSign.OptionsDropped"/>).</summary>
    public bool OfferedWindowScale { get; init; }
    /// <summary>The SYN offered SACK (for <see cref="SynCookieSign.OptionsDropped"/>).</summary>
    public bool OfferedSack { get; init; }
    /// <summary>The listener's shortest SYN-ACK retransmission delay seen in the capture, in seconds.</summary>
    public double ListenerRetransmitSeconds { get; init; }
    /// <summary>How long the capture ran on after the SYN-ACK, in seconds.</summary>
    public double CaptureRanOnSeconds { get; init; }

    /// <summary>How many times the listener's retransmission delay the capture must run on after an unanswered SYN-ACK.</summary>
    public const double RetransmitDelayMargin = 2.0;

    /// <summary>
    /// Judges the connection's SYN-ACK. <paramref name="listenerRetransmitSeconds"/> is the responder's shortest
    /// SYN-ACK retransmission delay in the capture (null if it never retransmitted one); <paramref name="captureEnd"/>
    /// the time of the capture's last packet. Returns the SYN-ACK's index and the evidence, or null when it is not clear.
    /// </summary>
    public static (int SynAckIndex, SynCookieEvidence Evidence)? Judge(IReadOnlyList<LadderPacket> packets,
        double? listenerRetransmitSeconds, PacketTime captureEnd)
    {
        int synIndex = -1, synAckIndex = -1, synAcks = 0;
        foreach (var packet in packets)
        {
            bool syn = packet.Has(TcpFlags.Syn) && !packet.Has(TcpFlags.Rst);
            if (syn && !packet.Has(TcpFlags.Ack) && packet.FromOriginator && synIndex < 0)
                synIndex = packet.Index;
            else if (syn && packet.Has(TcpFlags.Ack) && !packet.FromOriginator)
            {
                synAcks++;
                if (synAckIndex < 0) synAckIndex = packet.Index;
            }
        }
        if (synAcks != 1)
            return null;
        var synAck = packets[synAckIndex];

        if (synIndex >= 0 && synIndex < synAckIndex)
        {
            var offered = packets[synIndex].Options;
            bool offeredScale = offered.WindowScale >= 0, offeredSack = offered.SackPermitted;
            var answered = synAck.Options;
            if (!offered.HasTimestamp && (offeredScale || offeredSack) &&
                answered.Mss > 0 && answered.WindowScale < 0 && !answered.SackPermitted && !answered.HasTimestamp)
                return (synAckIndex, new SynCookieEvidence(SynCookieSign.OptionsDropped)
                {
                    OfferedWindowScale = offeredScale,
                    OfferedSack = offeredSack,
                });
        }

        bool answeredByOriginator = false;
        for (int i = synAckIndex + 1; i < packets.Count && !answeredByOriginator; i++)
            answeredByOriginator = packets[i].FromOriginator;
        double ranOn = captureEnd.SecondsSince(synAck.Time);
        if (!answeredByOriginator && listenerRetransmitSeconds is { } delay && delay > 0 &&
            ranOn >= RetransmitDelayMargin * delay)
            return (synAckIndex, new SynCookieEvidence(SynCookieSign.NeverRetransmitted)
            {
                ListenerRetransmitSeconds = delay,
                CaptureRanOnSeconds = ranOn,
            });
        return null;
    }
}
