using System.Net;
using System.Net.Sockets;

namespace TcpState.Capture.Live;

/// <summary>One address of a capture device: an IP address with its prefix length, or a link-layer (MAC) address.</summary>
public sealed record DeviceAddress(AddressFamily Family, string Address, int? PrefixLength)
{
    public override string ToString() => PrefixLength is { } prefix ? $"{Address}/{prefix}" : Address;
}

/// <summary>A device libpcap can capture on, as <c>pcap_findalldevs</c> describes it.</summary>
public sealed record CaptureDevice(string Name, string? Description, CaptureDeviceFlags Flags, IReadOnlyList<DeviceAddress> Addresses)
{
    public bool IsLoopback => (Flags & CaptureDeviceFlags.Loopback) != 0;
    public bool IsUp => (Flags & CaptureDeviceFlags.Up) != 0;
    public bool IsRunning => (Flags & CaptureDeviceFlags.Running) != 0;

    /// <summary>The flags as tcpdump -D spells them: "Up, Running, Loopback", or "none".</summary>
    public string DescribeFlags()
    {
        var words = new List<string>();
        if (IsUp) words.Add("Up");
        if (IsRunning) words.Add("Running");
        if ((Flags & CaptureDeviceFlags.Wireless) != 0) words.Add("Wireless");
        if (IsLoopback) words.Add("Loopback");
        switch (Flags & CaptureDeviceFlags.ConnectionStatusMask)
        {
            case CaptureDeviceFlags.Connected: words.Add("Connected"); break;
            case CaptureDeviceFlags.Disconnected: words.Add("Disconnected"); break;
        }
        return words.Count == 0 ? "none" : string.Join(", ", words);
    }
}

/// <summary>Lists the devices libpcap can capture on (no privilege needed).</summary>
public static unsafe class CaptureDevices
{
    // Linux's address family numbers, as they appear in struct sockaddr.
    private const ushort AfInet = 2, AfInet6 = 10, AfPacket = 17;
    // struct sockaddr_in / sockaddr_in6 / sockaddr_ll offsets.
    private const int Ipv4AddressOffset = 4, Ipv6AddressOffset = 8, LinkAddressLengthOffset = 11, LinkAddressOffset = 12;

    /// <summary>Every capture device, in libpcap's order (up and running ones first, as tcpdump -D shows them).</summary>
    /// <exception cref="CaptureException">libpcap is missing or could not list devices.</exception>
    public static IReadOnlyList<CaptureDevice> List()
    {
        LibPcap.EnsureLoaded();
        byte* error = stackalloc byte[LibPcap.ErrorBufferSize];
        error[0] = 0;
        LibPcap.Interface* first;
        if (LibPcap.pcap_findalldevs(&first, error) != 0)
            throw new CaptureException(CaptureError.Other, $"cannot list capture devices: {LibPcap.Text(error)}", LibPcap.Text(error));
        try
        {
            var devices = new List<CaptureDevice>();
            for (var device = first; device is not null; device = device->Next)
            {
                var addresses = new List<DeviceAddress>();
                for (var address = device->Addresses; address is not null; address = address->Next)
                    if (TryDescribe(address->Addr, address->Netmask, out var described))
                        addresses.Add(described);
                string? description = device->Description is null ? null : LibPcap.Text(device->Description);
                devices.Add(new CaptureDevice(LibPcap.Text(device->Name), description, (CaptureDeviceFlags)device->Flags, addresses));
            }
            return devices;
        }
        finally
        {
            if (first is not null)
                LibPcap.pcap_freealldevs(first);
        }
    }

    private static bool TryDescribe(byte* sockaddr, byte* netmask, out DeviceAddress address)
    {
        address = null!;
        if (sockaddr is null)
            return false;
        ushort family = *(ushort*)sockaddr;
        switch (family)
        {
            case AfInet:
                address = new DeviceAddress(AddressFamily.InterNetwork,
                    new IPAddress(new ReadOnlySpan<byte>(sockaddr + Ipv4AddressOffset, 4)).ToString(),
                    PrefixLength(netmask, AfInet, Ipv4AddressOffset, 4));
                return true;
            case AfInet6:
                address = new DeviceAddress(AddressFamily.InterNetworkV6,
                    new IPAddress(new ReadOnlySpan<byte>(sockaddr + Ipv6AddressOffset, 16)).ToString(),
                    PrefixLength(netmask, AfInet6, Ipv6AddressOffset, 16));
                return true;
            case AfPacket:
                int length = Math.Min((int)sockaddr[LinkAddressLengthOffset], 8);
                if (length == 0)
                    return false;
                address = new DeviceAddress(AddressFamily.Packet,
                    string.Join(':', new ReadOnlySpan<byte>(sockaddr + LinkAddressOffset, length).ToArray().Select(b => b.ToString("x2"))),
                    null);
                return true;
            default:
                return false;
        }
    }

    private static int? PrefixLength(byte* netmask, ushort family, int offset, int length)
    {
        if (netmask is null || *(ushort*)netmask != family)
            return null;
        int bits = 0;
        for (int i = 0; i < length; i++)
            bits += System.Numerics.BitOperations.PopCount(netmask[offset + i]);
        return bits;
    }
}
