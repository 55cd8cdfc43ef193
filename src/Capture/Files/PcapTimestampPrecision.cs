namespace TcpState.Capture.Files;

/// <summary>The timestamp unit of a classic pcap file, which its magic number announces.</summary>
public enum PcapTimestampPrecision
{
    /// <summary>Magic a1b2c3d4: what every pcap reader understands.</summary>
    Microseconds,
    /// <summary>Magic a1b23c4d: for traces where sub-microsecond order matters (libpcap 1.5+, Wireshark 1.12+).</summary>
    Nanoseconds,
}
