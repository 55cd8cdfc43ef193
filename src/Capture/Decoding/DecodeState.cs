namespace TcpState.Capture.Decoding;

/// <summary>
/// The decoder's cursor over one frame, shared by the layer decoders: where the next header starts, where the current
/// region (the innermost IP datagram, UDP datagram, ...) ends, and what has been learnt so far.
/// </summary>
/// <remarks>
/// A region has two ends. <see cref="WireEnd"/> is where the headers say it ends on the wire; <see cref="End"/> is
/// where the captured bytes of it end. They differ only when the region was cut, by the snapshot length or by IP
/// fragmentation (the rest travels in later fragments). All bounds checks go through <see cref="TryRead"/>, which
/// turns a shortfall into the right outcome: a header that would run past <see cref="WireEnd"/> is impossible
/// (malformed), one that runs past a cut <see cref="End"/> is truncated.
/// </remarks>
internal ref struct DecodeState
{
    /// <summary>Marks a region whose wire end is unknown: the contents of a first fragment.</summary>
    private const int UnknownWireEnd = int.MaxValue;

    private readonly ReadOnlySpan<byte> _frame;

    /// <summary>The caller's segment, filled in as the layers are walked.</summary>
    public ref TcpSegment Segment;

    public readonly bool DecodeTunnels;
    public readonly bool VerifyChecksums;

    /// <summary>Where the next header starts.</summary>
    public int Offset;

    /// <summary>End of the captured bytes of the current region.</summary>
    public int End;

    /// <summary>End of the current region on the wire; at least <see cref="End"/>.</summary>
    public int WireEnd;

    /// <summary>When the region is cut, true if a fragment boundary (not the snapshot length) cut it.</summary>
    public bool EndIsFragmentEnd;

    public DecodeOutcome Outcome;
    public MalformedReason Reason;
    public DecodeNotes Notes;

    public int VlanTags;
    public int MplsLabels;
    public int TunnelDepth;

    /// <summary>Wire end of the innermost IP datagram's payload (of the fragment, for a first fragment).</summary>
    public int IpPayloadEnd;

    /// <summary>The innermost IP datagram is a first fragment: its transport checksum cannot be verified.</summary>
    public bool IpIsFragment;

    /// <summary>
    /// An IPv6 routing header with segments left: the pseudo-header's destination is the final one (RFC 8200 §8.1),
    /// which is not in the IPv6 header, so the checksum is not verified.
    /// </summary>
    public bool PseudoHeaderDestinationElsewhere;

    public DecodeState(ReadOnlySpan<byte> frame, int originalLength, ref TcpSegment segment, DecoderOptions options)
    {
        _frame = frame;
        Segment = ref segment;
        DecodeTunnels = options.DecodeTunnels;
        VerifyChecksums = options.VerifyChecksums;
        End = frame.Length;
        WireEnd = Math.Max(originalLength, frame.Length);
        IpPayloadEnd = End;
        // Any path that forgets to decide shows up as Malformed with no reason, which tests look for.
        Outcome = DecodeOutcome.Malformed;
    }

    /// <summary>Captured bytes left in the current region.</summary>
    public readonly int Available => End - Offset;

    /// <summary>True when the current region has bytes on the wire that the capture does not hold.</summary>
    public readonly bool IsCut => End < WireEnd;

    /// <summary>Bytes of the frame from <paramref name="start"/> to <paramref name="end"/>, already bounds-checked by a read.</summary>
    public readonly ReadOnlySpan<byte> Bytes(int start, int end) => _frame[start..end];

    /// <summary>
    /// Takes the next <paramref name="length"/> bytes as a header and moves past them. When they are not all there,
    /// records why (truncated, or malformed for <paramref name="reasonIfImpossible"/>) and returns false.
    /// </summary>
    public bool TryRead(int length, MalformedReason reasonIfImpossible, out ReadOnlySpan<byte> header)
    {
        if (!TryPeek(length, reasonIfImpossible, out header))
            return false;
        Offset += length;
        return true;
    }

    /// <summary>Like <see cref="TryRead"/> without moving past the bytes.</summary>
    public bool TryPeek(int length, MalformedReason reasonIfImpossible, out ReadOnlySpan<byte> header)
    {
        if ((uint)length <= (uint)(End - Offset))
        {
            header = _frame.Slice(Offset, length);
            return true;
        }
        header = default;
        RecordShortfall(length, reasonIfImpossible);
        return false;
    }

    /// <summary>Moves past <paramref name="length"/> bytes (options, reserved fields) with the same checks as <see cref="TryRead"/>.</summary>
    public bool TrySkip(int length, MalformedReason reasonIfImpossible) =>
        TryRead(length, reasonIfImpossible, out _);

    private void RecordShortfall(int length, MalformedReason reasonIfImpossible)
    {
        bool pastWireEnd = length < 0 || (long)Offset + length > WireEnd;
        if (pastWireEnd || !IsCut)
            Malformed(reasonIfImpossible);
        else if (EndIsFragmentEnd)
            Malformed(MalformedReason.FirstFragmentTooShort);
        else
            Stop(DecodeOutcome.TruncatedBySnaplen);
    }

    /// <summary>
    /// Narrows the current region to <paramref name="wireLength"/> bytes from <paramref name="start"/>, as an IP total
    /// length or a UDP length says. Bytes past it (Ethernet padding, a trailing FCS) are ignored. A length that claims
    /// more than the enclosing region holds on the wire is malformed for <paramref name="reasonIfImpossible"/>.
    /// </summary>
    public bool TryLimitRegion(int start, long wireLength, MalformedReason reasonIfImpossible)
    {
        long wireEnd = start + wireLength;
        if (wireLength < 0 || wireEnd > WireEnd)
        {
            Malformed(reasonIfImpossible);
            return false;
        }
        WireEnd = (int)wireEnd;
        if (End > WireEnd)
            End = WireEnd;
        return true;
    }

    /// <summary>
    /// Enters the payload of a first fragment: it ends where the fragment ends, and what it holds (an inner datagram,
    /// a UDP datagram) may claim to continue into later fragments, so its wire end becomes unknown.
    /// </summary>
    public void EnterFirstFragmentPayload()
    {
        Notes |= DecodeNotes.IpFragment;
        IpIsFragment = true;
        if (End == WireEnd)
            EndIsFragmentEnd = true;
        WireEnd = UnknownWireEnd;
    }

    /// <summary>True when the current region's wire end is known (it is not the inside of a first fragment).</summary>
    public readonly bool WireEndKnown => WireEnd != UnknownWireEnd;

    /// <summary>Starts a new innermost IP datagram whose payload ends at the current region's wire end.</summary>
    public void BeginIpPayload()
    {
        IpPayloadEnd = WireEndKnown ? WireEnd : End;
        IpIsFragment = false;
        PseudoHeaderDestinationElsewhere = false;
    }

    /// <summary>Moves into a tunnel's payload, unless that would nest deeper than <see cref="DecoderLimits.MaxTunnelDepth"/>.</summary>
    public Layer EnterTunnel(Layer inner)
    {
        if (inner is Layer.OtherProtocol or Layer.Done)
            return inner;
        if (TunnelDepth >= DecoderLimits.MaxTunnelDepth)
            return Malformed(MalformedReason.TunnelTooDeep);
        TunnelDepth++;
        return inner;
    }

    public Layer Stop(DecodeOutcome outcome)
    {
        Outcome = outcome;
        Reason = MalformedReason.None;
        return Layer.Done;
    }

    public Layer Malformed(MalformedReason reason)
    {
        Outcome = DecodeOutcome.Malformed;
        Reason = reason;
        return Layer.Done;
    }

    /// <summary>
    /// For a header tcpstate only reads to find tunnels (UDP, Teredo): a shortfall there is not worth calling
    /// malformed, so it is another protocol, or truncated when the capture cut it.
    /// </summary>
    public Layer OtherProtocolUnlessCut(int length)
    {
        bool truncated = IsCut && !EndIsFragmentEnd && (long)Offset + length <= WireEnd;
        return Stop(truncated ? DecodeOutcome.TruncatedBySnaplen : DecodeOutcome.OtherProtocol);
    }
}
