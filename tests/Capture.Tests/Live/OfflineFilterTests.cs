using TcpState.Capture.Decoding;
using TcpState.Capture.Live;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Live;

/// <summary>BPF on frames from files: pcap_open_dead + pcap_compile + pcap_offline_filter, one program per link type.</summary>
public class OfflineFilterTests
{
    private static readonly byte[] ToPort80 = Ethernet(0x0800, Ipv4(6, Tcp(sourcePort: 40000, destinationPort: 80)));
    private static readonly byte[] ToPort443 = Ethernet(0x0800, Ipv4(6, Tcp(sourcePort: 40000, destinationPort: 443)));
    private static readonly byte[] RawToPort80 = Ipv4(6, Tcp(sourcePort: 40000, destinationPort: 80));

    private static bool Matches(OfflineFilter filter, byte[] bytes, LinkType linkType) =>
        filter.Matches(new Frame(bytes, bytes.Length, PacketTime.FromSeconds(1_700_000_000), linkType));

    [Fact]
    public void PortFilter_AcceptsAndRejects_AsTcpdumpWould()
    {
        using var filter = OfflineFilter.Create("tcp port 80");

        Assert.True(Matches(filter, ToPort80, LinkType.Ethernet));
        Assert.False(Matches(filter, ToPort443, LinkType.Ethernet));
    }

    [Fact]
    public void FramesOfAnotherLinkType_GetTheirOwnProgram()
    {
        using var filter = OfflineFilter.Create("tcp dst port 80 and host 198.51.100.2");

        Assert.True(Matches(filter, RawToPort80, LinkType.Raw));
        Assert.True(Matches(filter, ToPort80, LinkType.Ethernet));
        Assert.False(Matches(filter, Ipv4(6, Tcp(destinationPort: 81)), LinkType.Raw));
    }

    [Fact]
    public void SyntaxError_IsBadFilter_WithLibpcapsWords()
    {
        var error = Assert.Throws<CaptureException>(() => OfflineFilter.Create("tcp prot 80"));

        Assert.Equal(CaptureError.BadFilter, error.Error);
        Assert.Contains("syntax error", error.LibPcapMessage);
        Assert.Contains("'tcp prot 80'", error.Message);
    }

    [Fact]
    public void EthernetPrimitive_OnRawIpFrames_IsBadFilterNamingTheLinkType()
    {
        using var filter = OfflineFilter.Create("ether host 02:00:00:00:00:01");

        var error = Assert.Throws<CaptureException>(() => Matches(filter, RawToPort80, LinkType.Raw));

        Assert.Equal(CaptureError.BadFilter, error.Error);
        Assert.Contains("link type 101", error.Message);
    }

    [Fact]
    public void FilteredSource_CountsWhatItExaminedAndWhatMatched()
    {
        var pcap = new Files.PcapBytes().Record(1, 0, ToPort80).Record(2, 0, ToPort443).Record(3, 0, ToPort80).ToArray();
        Assert.True(Capture.Files.CaptureFile.TryOpen(new MemoryStream(pcap), "three.pcap", out var inner, out var error), error);
        using var filter = OfflineFilter.Create("tcp port 80");
        using var source = new FilteredPacketSource(inner!, filter);

        int handedOut = 0;
        while (source.TryReadFrame(out var frame))
        {
            Assert.Equal(80, frame.Data[36] << 8 | frame.Data[37]);
            handedOut++;
        }

        Assert.Equal(2, handedOut);
        Assert.Equal(3, source.FramesExamined);
        Assert.Equal(2, source.FramesMatched);
        Assert.Equal(SourceStatus.EndOfInput, source.Status);
    }
}
