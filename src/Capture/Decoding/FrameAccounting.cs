namespace TcpState.Capture.Decoding;

/// <summary>
/// Counts of what became of every frame. The outcome counters partition the frames read; the others
/// (fragments, checksums, tunnels) are side notes about frames already counted in one outcome.
/// </summary>
public sealed class FrameAccounting
{
    private readonly long[] _outcomes = new long[Enum.GetValues<DecodeOutcome>().Length];
    private readonly long[] _malformed = new long[Enum.GetValues<MalformedReason>().Length];

    public long FramesRead { get; private set; }
    public long Tcp => _outcomes[(int)DecodeOutcome.Tcp];
    public long OtherProtocol => _outcomes[(int)DecodeOutcome.OtherProtocol];
    public long NonFirstFragments => _outcomes[(int)DecodeOutcome.NonFirstFragment];
    public long TruncatedBySnaplen => _outcomes[(int)DecodeOutcome.TruncatedBySnaplen];
    public long Malformed => _outcomes[(int)DecodeOutcome.Malformed];
    public long UnsupportedLinkType => _outcomes[(int)DecodeOutcome.UnsupportedLinkType];

    /// <summary>IP fragments seen (first and later ones); the first fragment of a TCP segment is still decoded.</summary>
    public long IpFragments { get; set; }
    /// <summary>TCP segments whose checksum was wrong (they do not move any state machine).</summary>
    public long BadTcpChecksums { get; set; }
    /// <summary>TCP segments whose payload the snapshot length cut (headers complete, so still analysed).</summary>
    public long TcpPayloadTruncated { get; set; }
    /// <summary>TCP segments found inside a tunnel.</summary>
    public long Tunneled { get; set; }

    public void Count(DecodeOutcome outcome, MalformedReason reason = MalformedReason.None)
    {
        FramesRead++;
        _outcomes[(int)outcome]++;
        if (outcome == DecodeOutcome.Malformed)
            _malformed[(int)reason]++;
    }

    public long CountOf(DecodeOutcome outcome) => _outcomes[(int)outcome];

    public long MalformedBecause(MalformedReason reason) => _malformed[(int)reason];

    /// <summary>True when every frame read has exactly one outcome.</summary>
    public bool AddsUp => _outcomes.Sum() == FramesRead && _malformed.Sum() == Malformed;

    public void Add(FrameAccounting other)
    {
        FramesRead += other.FramesRead;
        for (int i = 0; i < _outcomes.Length; i++) _outcomes[i] += other._outcomes[i];
        for (int i = 0; i < _malformed.Length; i++) _malformed[i] += other._malformed[i];
        IpFragments += other.IpFragments;
        BadTcpChecksums += other.BadTcpChecksums;
        TcpPayloadTruncated += other.TcpPayloadTruncated;
        Tunneled += other.Tunneled;
    }
}
