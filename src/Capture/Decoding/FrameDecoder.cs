using TcpState.Capture.Decoding.Ip;
using TcpState.Capture.Decoding.Link;
using TcpState.Capture.Decoding.Transport;
using TcpState.Capture.Decoding.Tunnels;

namespace TcpState.Capture.Decoding;

/// <summary>Settings for <see cref="FrameDecoder"/>.</summary>
public sealed record DecoderOptions
{
    /// <summary>Verify TCP checksums (on by default for files, like Zeek; -C turns it off).</summary>
    public bool VerifyChecksums { get; init; } = true;

    /// <summary>Look inside tunnels (GRE, VXLAN, Geneve, GTP-U, Teredo, IP-in-IP).</summary>
    public bool DecodeTunnels { get; init; } = true;
}

/// <summary>
/// Walks a frame from its link-layer header down to TCP without copying or allocating, one small decoder per
/// layer, and says what the frame was.
/// </summary>
/// <remarks>
/// Each layer decoder (Link/, Ip/, Transport/, Tunnels/) checks its header's bounds once, consumes it, and names the
/// next layer from a dispatch table (<see cref="LinkLayer"/>, <see cref="EtherType"/>, <see cref="IpProtocol"/>, the
/// UDP port table in <see cref="Udp"/>). This class only runs that loop. Every frame ends in exactly one
/// <see cref="DecodeOutcome"/>, and no input makes it throw: every length read from the frame is checked before use.
/// </remarks>
public sealed class FrameDecoder
{
    public FrameDecoder(DecoderOptions? options = null)
    {
        Options = options ?? new DecoderOptions();
    }

    public DecoderOptions Options { get; }

    /// <summary>
    /// Decodes one frame. On <see cref="DecodeOutcome.Tcp"/>, <paramref name="segment"/> is filled in (its
    /// <see cref="TcpSegment.Timestamp"/> is the frame's); otherwise it is <c>default</c>. On
    /// <see cref="DecodeOutcome.Malformed"/>, <paramref name="reason"/> says which header was impossible.
    /// </summary>
    public DecodeOutcome Decode(in Frame frame, out TcpSegment segment, out MalformedReason reason) =>
        Decode(frame, out segment, out reason, out _);

    /// <summary>Decodes one frame and counts its outcome (and side notes such as fragments and bad checksums).</summary>
    public DecodeOutcome Decode(in Frame frame, FrameAccounting accounting, out TcpSegment segment)
    {
        var outcome = Decode(frame, out segment, out var reason, out var notes);
        accounting.Count(outcome, reason);
        if ((notes & DecodeNotes.IpFragment) != 0)
            accounting.IpFragments++;
        if (outcome == DecodeOutcome.Tcp)
        {
            if (segment.Checksum == ChecksumStatus.Invalid)
                accounting.BadTcpChecksums++;
            if ((notes & DecodeNotes.TcpPayloadTruncatedBySnaplen) != 0)
                accounting.TcpPayloadTruncated++;
            if (segment.TunnelDepth > 0)
                accounting.Tunneled++;
        }
        return outcome;
    }

    internal DecodeOutcome Decode(in Frame frame, out TcpSegment segment, out MalformedReason reason, out DecodeNotes notes)
    {
        segment = default;
        var state = new DecodeState(frame.Data, frame.OriginalLength, ref segment, Options);

        var next = LinkLayer.First(frame.LinkType);
        for (int layers = 0; next != Layer.Done; layers++)
        {
            if (layers == DecoderLimits.MaxLayers)
            {
                state.Malformed(MalformedReason.TooManyLayers);
                break;
            }
            next = next switch
            {
                Layer.Ethernet => Ethernet.Decode(ref state),
                Layer.Vlan => Vlan.Decode(ref state),
                Layer.Mpls => Mpls.Decode(ref state),
                Layer.ProviderBackboneBridge => ProviderBackboneBridge.Decode(ref state),
                Layer.FabricPath => FabricPath.Decode(ref state),
                Layer.VnTag => VnTag.Decode(ref state),
                Layer.LinuxSll => LinuxSll.Decode(ref state),
                Layer.LinuxSll2 => LinuxSll2.Decode(ref state),
                Layer.BsdNullHostOrder => BsdLoopback.DecodeHostOrder(ref state),
                Layer.BsdLoopNetworkOrder => BsdLoopback.DecodeNetworkOrder(ref state),
                Layer.RawIp => RawIp.Decode(ref state),
                Layer.Ipv4 => Ipv4.Decode(ref state),
                Layer.Ipv6 => Ipv6.Decode(ref state),
                Layer.Ipv4InIp => state.EnterTunnel(Layer.Ipv4),
                Layer.Ipv6InIp => state.EnterTunnel(Layer.Ipv6),
                Layer.Tcp => Tcp.Decode(ref state),
                Layer.Udp => Udp.Decode(ref state),
                Layer.Gre => Gre.Decode(ref state),
                Layer.ErspanTypeII => Erspan.DecodeTypeII(ref state),
                Layer.ErspanTypeIII => Erspan.DecodeTypeIII(ref state),
                Layer.Ppp => Ppp.Decode(ref state),
                Layer.Vxlan => Vxlan.Decode(ref state),
                Layer.Geneve => Geneve.Decode(ref state),
                Layer.GtpU => GtpU.Decode(ref state),
                Layer.Teredo => Teredo.Decode(ref state),
                Layer.OtherProtocol => state.Stop(DecodeOutcome.OtherProtocol),
                Layer.UnsupportedLinkType => state.Stop(DecodeOutcome.UnsupportedLinkType),
                _ => state.Stop(DecodeOutcome.OtherProtocol),
            };
        }

        reason = state.Reason;
        notes = state.Notes;
        if (state.Outcome == DecodeOutcome.Tcp)
            segment.Timestamp = frame.Timestamp;
        else
            segment = default;
        return state.Outcome;
    }
}
