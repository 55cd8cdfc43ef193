namespace TcpState.Capture.Live;

/// <summary>What went wrong opening a capture or compiling a filter, in the terms a user can act on.</summary>
public enum CaptureError
{
    /// <summary>libpcap.so.0.8 could not be loaded.</summary>
    LibraryMissing,
    /// <summary>Opening the device needs CAP_NET_RAW (PCAP_ERROR_PERM_DENIED).</summary>
    PermissionDenied,
    /// <summary>Promiscuous mode needs more privilege than capturing (PCAP_ERROR_PROMISC_PERM_DENIED).</summary>
    PromiscuousPermissionDenied,
    /// <summary>No capture device has that name (PCAP_ERROR_NO_SUCH_DEVICE).</summary>
    NoSuchDevice,
    /// <summary>The device exists but is down (PCAP_ERROR_IFACE_NOT_UP).</summary>
    InterfaceNotUp,
    /// <summary>The BPF expression does not compile, or does not apply to the link type.</summary>
    BadFilter,
    /// <summary>Anything else libpcap reported.</summary>
    Other,
}

/// <summary>
/// A capture could not be opened or configured. <see cref="Exception.Message"/> is one line for people;
/// <see cref="LibPcapMessage"/> is libpcap's own text, kept apart so callers can phrase advice around it.
/// </summary>
public sealed class CaptureException(CaptureError error, string message, string libPcapMessage) : Exception(message)
{
    public CaptureError Error { get; } = error;

    /// <summary>libpcap's words ("socket: Operation not permitted", "syntax error"), or "" when libpcap said nothing.</summary>
    public string LibPcapMessage { get; } = libPcapMessage;
}
