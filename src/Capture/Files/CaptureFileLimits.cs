namespace TcpState.Capture.Files;

/// <summary>
/// The sizes a capture file may claim before the readers call it corrupt. A length field is the one thing in a
/// capture file that decides how much memory the reader takes, so every one is checked against these before
/// a byte is buffered: a hostile or damaged file gets a one-line error, never an out-of-memory.
/// </summary>
public static class CaptureFileLimits
{
    /// <summary>
    /// The largest snapshot length libpcap and Wireshark use for ordinary link types (256 KiB). A pcap record may
    /// be up to twice the larger of this and the file's snaplen: writers that understate snaplen still read.
    /// </summary>
    public const int StandardMaxSnapshotLength = 262_144;

    /// <summary>
    /// The hard ceiling for one pcap record, whatever the file header's snaplen says (16 MiB). Nothing real comes
    /// close; a garbage length field (a record header read from the middle of a packet) almost always exceeds it.
    /// </summary>
    public const int MaxPcapRecordLength = 16 * 1024 * 1024;

    /// <summary>
    /// The largest pcapng block the readers accept (64 MiB). Packet and interface blocks are held in memory whole,
    /// so this bounds the read buffer; other blocks are skipped without being buffered, but are held to it too.
    /// </summary>
    public const int MaxPcapNgBlockLength = 64 * 1024 * 1024;

    /// <summary>
    /// The most interfaces one pcapng section may define (65,536). Interface ids are 32-bit, but even the busiest
    /// real multi-interface capture has a few hundred; the bound keeps a file of empty IDBs from growing the table.
    /// </summary>
    public const int MaxPcapNgInterfacesPerSection = 65_536;

    /// <summary>The limit for one record of a pcap file whose header declares <paramref name="snapshotLength"/>.</summary>
    public static int PcapRecordLimit(uint snapshotLength) =>
        (int)Math.Min(Math.Max(snapshotLength, (uint)StandardMaxSnapshotLength) * 2L, MaxPcapRecordLength);
}
