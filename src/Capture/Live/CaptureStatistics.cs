namespace TcpState.Capture.Live;

/// <summary>
/// libpcap's counters for a live capture (<c>pcap_stats</c>), since the capture started. On Linux,
/// <see cref="Received"/> counts packets that passed the filter (dropped ones included), <see cref="DroppedByKernel"/>
/// those the kernel dropped because the capture buffer was full, and <see cref="DroppedByInterface"/> the interface's
/// own receive drops while capturing (from /proc/net/dev). libpcap keeps 32-bit counters; they wrap.
/// </summary>
public readonly record struct CaptureStatistics(long Received, long DroppedByKernel, long DroppedByInterface);
