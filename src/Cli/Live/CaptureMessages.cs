using TcpState.Capture;
using TcpState.Capture.Live;

namespace TcpState.Cli.Live;

/// <summary>Turns a <see cref="CaptureException"/> into the one line that tells the user what to do.</summary>
internal static class CaptureMessages
{
    public static string Describe(CaptureException error, string? device) => error.Error switch
    {
        CaptureError.PermissionDenied =>
            $"no permission to capture on {device} ({error.LibPcapMessage}): capturing needs CAP_NET_RAW; " +
            $"run as root, or grant it with: setcap cap_net_raw=eip {CapabilityTarget()}",
        CaptureError.PromiscuousPermissionDenied =>
            $"no permission to put {device} in promiscuous mode ({error.LibPcapMessage}): run without --promisc, or as root",
        CaptureError.NoSuchDevice => UnknownDevice(device, error.LibPcapMessage),
        CaptureError.InterfaceNotUp =>
            $"{device} is down ({error.LibPcapMessage}): bring it up (ip link set {device} up) or choose another (tcpstate interfaces)",
        _ => error.Message,
    };

    /// <summary>"no capture interface named 'eth9'; interfaces: eth0, any, lo (details: tcpstate interfaces)".</summary>
    public static string UnknownDevice(string? device, string libPcapMessage)
    {
        string known;
        try
        {
            known = string.Join(", ", CaptureDevices.List().Select(d => d.Name));
        }
        catch (CaptureException)
        {
            known = "(could not be listed)";
        }
        string detail = libPcapMessage.Length > 0 ? $" ({libPcapMessage})" : "";
        return $"no capture interface named '{device}'{detail}; interfaces: {known} (details: tcpstate interfaces)";
    }

    /// <summary>
    /// The file setcap must be given: the executable this process runs from. Run through <c>dotnet tcpstate.dll</c>,
    /// that is the .NET host itself, which would give every .NET program the capability — so say so.
    /// </summary>
    private static string CapabilityTarget()
    {
        string path = Environment.ProcessPath ?? "tcpstate";
        try
        {
            path = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
        }
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? $"{path} (the .NET host running tcpstate: that grants it to every .NET program; prefer the tcpstate executable)"
            : path;
    }

    /// <summary>How tcpdump names link types in "listening on lo, link-type EN10MB (Ethernet)".</summary>
    public static string LinkTypeName(LinkType type) => type switch
    {
        LinkType.Ethernet => "EN10MB (Ethernet)",
        LinkType.LinuxSll => "LINUX_SLL (Linux cooked v1)",
        LinkType.LinuxSll2 => "LINUX_SLL2 (Linux cooked v2)",
        LinkType.Raw or LinkType.RawAlias12 or LinkType.RawAlias14 => "RAW (Raw IP)",
        LinkType.Null => "NULL (BSD loopback)",
        LinkType.Loop => "LOOP (OpenBSD loopback)",
        LinkType.Ipv4 => "IPV4 (Raw IPv4)",
        LinkType.Ipv6 => "IPV6 (Raw IPv6)",
        _ => $"{(int)type}",
    };
}
