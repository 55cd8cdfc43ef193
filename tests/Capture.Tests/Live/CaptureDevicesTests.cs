using System.Net.Sockets;
using TcpState.Capture.Live;

namespace TcpState.Capture.Tests.Live;

/// <summary>pcap_findalldevs through the binding: names, flags and addresses, as tcpdump -D shows them.</summary>
public class CaptureDevicesTests
{
    [Fact]
    public void Loopback_IsListedAsUpAndLoopback_WithItsAddresses()
    {
        var loopback = Assert.Single(CaptureDevices.List(), device => device.Name == "lo");

        Assert.True(loopback.IsLoopback);
        Assert.True(loopback.IsUp);
        Assert.Contains(loopback.Addresses, address => address.Family == AddressFamily.InterNetwork && address.ToString() == "127.0.0.1/8");
        Assert.Contains("Loopback", loopback.DescribeFlags());
    }

    [Fact]
    public void AnyPseudoDevice_HasItsDescription()
    {
        var any = Assert.Single(CaptureDevices.List(), device => device.Name == "any");

        Assert.False(string.IsNullOrEmpty(any.Description));
    }
}
