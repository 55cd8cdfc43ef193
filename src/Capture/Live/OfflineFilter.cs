namespace TcpState.Capture.Live;

/// <summary>
/// A BPF filter applied in this process to frames from a file (<c>pcap_offline_filter</c>), so <c>read --filter</c>
/// takes the same expressions as tcpdump. A program is compiled per link type on a dead handle
/// (<c>pcap_open_dead</c>), because a pcapng file may mix link types and BPF code is specific to one.
/// </summary>
public sealed unsafe class OfflineFilter : IDisposable
{
    private readonly Dictionary<LinkType, (PcapHandle Dead, BpfProgram Program)> _programs = [];
    private LinkType _lastLinkType;
    private BpfProgram? _lastProgram;
    private bool _disposed;

    private OfflineFilter(string expression)
    {
        Expression = expression;
    }

    public string Expression { get; }

    /// <summary>
    /// Checks <paramref name="expression"/> by compiling it for Ethernet, where every primitive is valid, so a typo is
    /// reported before any file is read; other link types are compiled when their first frame arrives.
    /// </summary>
    /// <exception cref="CaptureException">libpcap is missing (<see cref="CaptureError.LibraryMissing"/>) or the
    /// expression does not compile (<see cref="CaptureError.BadFilter"/>, with libpcap's message).</exception>
    public static OfflineFilter Create(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        LibPcap.EnsureLoaded();
        var filter = new OfflineFilter(expression);
        try
        {
            filter.ProgramFor(LinkType.Ethernet);
        }
        catch
        {
            filter.Dispose();
            throw;
        }
        return filter;
    }

    /// <summary>True when the filter accepts <paramref name="frame"/>. Allocates nothing once its link type has been seen.</summary>
    /// <exception cref="CaptureException">The expression cannot apply to the frame's link type ("ether host" on raw IP).</exception>
    public bool Matches(in Frame frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var program = frame.LinkType == _lastLinkType && _lastProgram is not null ? _lastProgram : ProgramFor(frame.LinkType);
        long seconds = Math.DivRem(frame.Timestamp.UnixNanoseconds, PacketTime.NanosecondsPerSecond, out long nanoseconds);
        var header = new LibPcap.PacketHeader
        {
            // The BPF machine never looks at the time; it is filled in for completeness.
            Seconds = (nint)seconds,
            Fraction = (nint)(nanoseconds / 1000),
            CapturedLength = (uint)frame.Data.Length,
            Length = (uint)Math.Max(frame.OriginalLength, frame.Data.Length),
        };
        fixed (byte* data = frame.Data)
            return LibPcap.pcap_offline_filter(program.Pointer, &header, data) != 0;
    }

    private BpfProgram ProgramFor(LinkType linkType)
    {
        if (!_programs.TryGetValue(linkType, out var compiled))
        {
            var dead = LibPcap.pcap_open_dead(LinkTypes.ToDlt(linkType), LiveCaptureOptions.DefaultSnapshotLength);
            if (dead.IsInvalid)
            {
                dead.Dispose();
                throw new CaptureException(CaptureError.Other, $"libpcap cannot set up a filter for link type {(int)linkType}", "");
            }
            try
            {
                compiled = (dead, BpfProgram.Compile(dead, Expression));
            }
            catch (CaptureException e)
            {
                dead.Dispose();
                if (linkType == LinkType.Ethernet)
                    throw;
                throw new CaptureException(CaptureError.BadFilter,
                    $"filter '{Expression}' cannot apply to frames of link type {(int)linkType}: {e.LibPcapMessage}", e.LibPcapMessage);
            }
            _programs.Add(linkType, compiled);
        }
        _lastLinkType = linkType;
        _lastProgram = compiled.Program;
        return compiled.Program;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var (dead, program) in _programs.Values)
        {
            program.Dispose();
            dead.Dispose();
        }
        _programs.Clear();
        _lastProgram = null;
    }
}
