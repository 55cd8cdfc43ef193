namespace TcpState.Capture.Live;

/// <summary>The PCAP_IF_* flags of a capture device (pcap/pcap.h).</summary>
[Flags]
public enum CaptureDeviceFlags : uint
{
    None = 0,
    Loopback = 0x1,
    Up = 0x2,
    Running = 0x4,
    Wireless = 0x8,
    /// <summary>The two bits of PCAP_IF_CONNECTION_STATUS; compare the masked value with the statuses below.</summary>
    ConnectionStatusMask = 0x30,
    Connected = 0x10,
    Disconnected = 0x20,
    ConnectionStatusNotApplicable = 0x30,
}
