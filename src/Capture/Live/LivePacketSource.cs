namespace TcpState.Capture.Live;

/// <summary>
/// Frames from a network device through libpcap. Each <see cref="Frame"/> is a span over libpcap's own ring buffer,
/// valid until the next read: nothing is copied or allocated per packet.
/// </summary>
/// <remarks>
/// <see cref="TryReadFrame"/> returns false with <see cref="Status"/> still <see cref="SourceStatus.Reading"/> when
/// the read timeout passed without a packet: the caller gets control back regularly on a quiet link (to move its clock,
/// flush output, look at the time) and simply reads again. libpcap's own read timeout cannot promise that on Linux:
/// with TPACKET_V3 it polls without a timeout and relies on the kernel retiring a block, which the kernel does not do
/// for an empty one, so a blocking read on a silent link never returns. The handle is therefore non-blocking, and this
/// class polls its descriptor with the timeout itself. <see cref="RequestStop"/> may be called from any thread, a
/// signal handler's included; the read returns within one timeout and the source then reports
/// <see cref="SourceStatus.EndOfInput"/>. Everything else belongs to the one thread that reads.
/// </remarks>
public sealed unsafe class LivePacketSource : IPacketSource
{
    private const int ImmediateRetries = 3;

    private readonly PcapHandle _handle;
    private readonly nint _capture;
    private readonly long _nanosecondsPerFraction;
    private readonly int _descriptor;
    private readonly int _timeoutMilliseconds;
    private bool _holdsReference;
    private volatile bool _stopRequested;
    private LibPcap.Stat _lastStat;
    private long _received, _droppedByKernel, _droppedByInterface;

    private LivePacketSource(PcapHandle handle, LiveCaptureOptions options, int descriptor, List<string> warnings)
    {
        _descriptor = descriptor;
        _timeoutMilliseconds = TimeoutMilliseconds(options);
        _handle = handle;
        handle.DangerousAddRef(ref _holdsReference);
        _capture = handle.DangerousGetHandle();
        Device = options.Device;
        Filter = options.Filter;
        LinkType = LinkTypes.FromDlt(LibPcap.pcap_datalink(handle));
        SnapshotLength = LibPcap.pcap_snapshot(handle);
        NanosecondTimestamps = TimestampPrecision(handle) == LibPcap.TimestampPrecisionNano;
        _nanosecondsPerFraction = NanosecondTimestamps ? 1 : 1000;
        Warnings = warnings;
    }

    /// <summary>
    /// Opens and activates <paramref name="options"/>.Device, asks for nanosecond timestamps (kept at microseconds where
    /// the system cannot), and installs the filter in the kernel.
    /// </summary>
    /// <exception cref="CaptureException">libpcap is missing, the device is unknown or down, permission is lacking, or
    /// the filter is bad; the message is one line and includes libpcap's own words.</exception>
    public static LivePacketSource Open(LiveCaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        LibPcap.EnsureLoaded();
        byte* error = stackalloc byte[LibPcap.ErrorBufferSize];
        error[0] = 0;
        var handle = LibPcap.pcap_create(options.Device, error);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            string reason = LibPcap.Text(error);
            throw new CaptureException(CaptureError.Other, $"cannot open {options.Device}: {reason}", reason);
        }
        try
        {
            var warnings = new List<string>();
            Configure(handle, "snapshot length", LibPcap.pcap_set_snaplen(handle, options.SnapshotLength));
            Configure(handle, "promiscuous mode", LibPcap.pcap_set_promisc(handle, options.Promiscuous ? 1 : 0));
            // With TPACKET_V3 this is also how long the kernel holds a part-filled block before handing it over.
            Configure(handle, "read timeout", LibPcap.pcap_set_timeout(handle, TimeoutMilliseconds(options)));
            if (options.ImmediateMode)
                Configure(handle, "immediate mode", LibPcap.pcap_set_immediate_mode(handle, 1));
            if (options.BufferSizeBytes is { } bufferSize)
                Configure(handle, "buffer size", LibPcap.pcap_set_buffer_size(handle, bufferSize));
            RequestNanosecondTimestamps(handle);

            int status = LibPcap.pcap_activate(handle);
            if (status < 0)
                throw ActivationError(handle, status, options);
            if (status > 0)
                warnings.Add($"{options.Device}: {WarningText(handle, status)}");

            if (options.Filter is { } filter)
            {
                using var program = BpfProgram.Compile(handle, filter, Netmask(options.Device));
                program.SetOn(handle);
            }
            if (LibPcap.pcap_setnonblock(handle, 1, error) != 0)
            {
                string reason = LibPcap.Text(error);
                throw new CaptureException(CaptureError.Other, $"cannot make the capture on {options.Device} non-blocking: {reason}", reason);
            }
            int descriptor = LibPcap.pcap_get_selectable_fd(handle);
            if (descriptor < 0)
                throw new CaptureException(CaptureError.Other, $"{options.Device} offers no descriptor to wait on", "");
            return new LivePacketSource(handle, options, descriptor, warnings);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public string Name => Device;

    public string Device { get; }

    public string? Filter { get; }

    public LinkType LinkType { get; }

    /// <summary>The snapshot length in force (libpcap may lower what was asked for).</summary>
    public int SnapshotLength { get; }

    /// <summary>Timestamps carry nanoseconds (Linux since 2.6.27); otherwise microseconds.</summary>
    public bool NanosecondTimestamps { get; }

    /// <summary>What libpcap warned about on activation (e.g. promiscuous mode not supported), one line each.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public SourceStatus Status { get; private set; } = SourceStatus.Reading;

    public string? ErrorMessage { get; private set; }

    public bool StopRequested => _stopRequested;

    public bool TryReadFrame(out Frame frame)
    {
        frame = default;
        if (_stopRequested)
        {
            Status = SourceStatus.EndOfInput;
            return false;
        }
        if (Status != SourceStatus.Reading)
            return false;

        LibPcap.PacketHeader* header;
        byte* data;
        int result = LibPcap.pcap_next_ex(_capture, &header, &data);
        // 0 also means libpcap dropped the one packet it looked at, without a system call: on loopback it discards
        // the kernel's outgoing copy of every packet, so every other read comes back empty while the buffer is full.
        // Asking again is far cheaper than a poll.
        for (int retry = 0; result == 0 && retry < ImmediateRetries; retry++)
            result = LibPcap.pcap_next_ex(_capture, &header, &data);
        if (result == 0)
        {
            // Nothing buffered: wait for the kernel to hand over packets, at most one timeout, then try once more.
            if (!Posix.WaitReadable(_descriptor, _timeoutMilliseconds) || _stopRequested)
                return false;
            result = LibPcap.pcap_next_ex(_capture, &header, &data);
        }
        switch (result)
        {
            case 1:
                long nanoseconds = (long)header->Seconds * PacketTime.NanosecondsPerSecond + (long)header->Fraction * _nanosecondsPerFraction;
                frame = new Frame(new ReadOnlySpan<byte>(data, (int)header->CapturedLength), (int)header->Length,
                    new PacketTime(nanoseconds), LinkType);
                return true;
            case 0:
                return false;
            case LibPcap.ErrorBreak:
                Status = SourceStatus.EndOfInput;
                return false;
            default:
                Status = SourceStatus.Unreadable;
                ErrorMessage = $"capture on {Device} failed: {LibPcap.LastError(_handle)}";
                return false;
        }
    }

    /// <summary>
    /// Stops the capture: the read in progress returns within one read timeout and later reads return false.
    /// Safe from any thread, and after <see cref="Dispose"/>. <c>pcap_breakloop</c> is called too, for libpcap's
    /// own loops.
    /// </summary>
    public void RequestStop()
    {
        _stopRequested = true;
        try
        {
            LibPcap.pcap_breakloop(_handle);
        }
        catch (ObjectDisposedException)
        {
            // Already closed: nothing is reading any more.
        }
    }

    /// <summary>
    /// libpcap's counters since the capture started (call it from the reading thread). libpcap's counters are 32-bit;
    /// these are accumulated from their differences, so they keep counting past 2^32.
    /// </summary>
    public CaptureStatistics ReadStatistics()
    {
        LibPcap.Stat stat;
        if (LibPcap.pcap_stats(_handle, &stat) == 0)
        {
            _received += unchecked(stat.Received - _lastStat.Received);
            _droppedByKernel += unchecked(stat.Dropped - _lastStat.Dropped);
            _droppedByInterface += unchecked(stat.InterfaceDropped - _lastStat.InterfaceDropped);
            _lastStat = stat;
        }
        return new CaptureStatistics(_received, _droppedByKernel, _droppedByInterface);
    }

    public void Dispose()
    {
        if (_holdsReference)
        {
            _holdsReference = false;
            _handle.DangerousRelease();
        }
        _handle.Dispose();
    }

    private static int TimeoutMilliseconds(LiveCaptureOptions options) =>
        (int)Math.Clamp(options.ReadTimeout.TotalMilliseconds, 1, int.MaxValue);

    private static void Configure(PcapHandle handle, string what, int status)
    {
        if (status != 0)
        {
            string reason = LibPcap.StatusText(status);
            throw new CaptureException(CaptureError.Other, $"cannot set the {what}: {reason}", reason);
        }
    }

    private static void RequestNanosecondTimestamps(PcapHandle handle)
    {
        try
        {
            // PCAP_ERROR_TSTAMP_PRECISION_NOTSUP leaves microseconds, which is fine.
            LibPcap.pcap_set_tstamp_precision(handle, LibPcap.TimestampPrecisionNano);
        }
        catch (EntryPointNotFoundException)
        {
            // libpcap before 1.5: microseconds only.
        }
    }

    private static int TimestampPrecision(PcapHandle handle)
    {
        try
        {
            return LibPcap.pcap_get_tstamp_precision(handle);
        }
        catch (EntryPointNotFoundException)
        {
            return LibPcap.TimestampPrecisionMicro;
        }
    }

    private static uint Netmask(string device)
    {
        // Only "ip broadcast" needs the netmask; devices without IPv4 (any, lo on some systems) have none.
        uint network, netmask;
        byte* error = stackalloc byte[LibPcap.ErrorBufferSize];
        return LibPcap.pcap_lookupnet(device, &network, &netmask, error) == 0 ? netmask : LibPcap.NetmaskUnknown;
    }

    private static CaptureException ActivationError(PcapHandle handle, int status, LiveCaptureOptions options)
    {
        string detail = LibPcap.LastError(handle);
        if (detail.Length == 0)
            detail = LibPcap.StatusText(status);
        string device = options.Device;
        return status switch
        {
            LibPcap.ErrorPermissionDenied => new CaptureException(CaptureError.PermissionDenied,
                $"no permission to capture on {device}: {detail}", detail),
            LibPcap.ErrorPromiscuousPermissionDenied => new CaptureException(CaptureError.PromiscuousPermissionDenied,
                $"no permission to put {device} in promiscuous mode: {detail}", detail),
            LibPcap.ErrorNoSuchDevice => new CaptureException(CaptureError.NoSuchDevice,
                $"no capture device named '{device}': {detail}", detail),
            LibPcap.ErrorInterfaceNotUp => new CaptureException(CaptureError.InterfaceNotUp,
                $"{device} is down: {detail}", detail),
            _ => new CaptureException(CaptureError.Other, $"cannot capture on {device}: {detail}", detail),
        };
    }

    private static string WarningText(PcapHandle handle, int status)
    {
        string detail = LibPcap.LastError(handle);
        return detail.Length > 0 ? detail : LibPcap.StatusText(status);
    }
}
