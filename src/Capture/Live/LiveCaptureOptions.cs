namespace TcpState.Capture.Live;

/// <summary>How to open a live capture. Defaults are tcpdump's, except promiscuous mode, which is opt-in.</summary>
public sealed record LiveCaptureOptions
{
    /// <summary>tcpdump's default snapshot length since 4.99: whole frames, so a -w file is complete.</summary>
    public const int DefaultSnapshotLength = 262_144;

    /// <summary>The device name (eth0, lo, any).</summary>
    public required string Device { get; init; }

    /// <summary>A BPF expression the kernel applies before frames are copied to the capture buffer, or null.</summary>
    public string? Filter { get; init; }

    public int SnapshotLength { get; init; } = DefaultSnapshotLength;

    public bool Promiscuous { get; init; }

    /// <summary>
    /// 128 MiB, as Zeek's default: an analyzer does more per packet than tcpdump -w and must ride out the moments the
    /// scheduler gives its thread to someone else. Measured under a 200k packets/s loopback load, a capture started
    /// in a terminal session of its own (its own CFS autogroup, as a dashboard in tmux is) was left off the CPU for
    /// longer than 32 MiB lasts (about half a second there) in two runs of three, and dropped; with 128 MiB, none of
    /// three runs dropped.
    /// </summary>
    public const int DefaultBufferSizeBytes = 128 << 20;

    /// <summary>The kernel capture buffer in bytes; null keeps libpcap's default (2 MiB on Linux).</summary>
    public int? BufferSizeBytes { get; init; } = DefaultBufferSizeBytes;

    /// <summary>
    /// How long a read waits for packets before returning empty-handed. It bounds both how late a packet is
    /// delivered (TPACKET_V3 hands over a block of packets when it fills or when this much time has passed) and how
    /// often an idle capture gets to move its clock.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Deliver each packet as soon as it arrives. On Linux this makes libpcap fall back from TPACKET_V3's shared blocks to
    /// TPACKET_V2's fixed slots sized for the snapshot length, so the same buffer holds far fewer packets: off by default.
    /// </summary>
    public bool ImmediateMode { get; init; }
}
