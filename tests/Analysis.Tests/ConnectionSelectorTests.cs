using TcpState.Analysis.Explain;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

public class ConnectionSelectorTests
{
    /// <summary>The connection of captures/simultaneous-close.pcap: its uid and Community ID are those of its record.</summary>
    private static readonly ConnectionIdentity Connection = new(0, IpAddress.Parse("10.99.0.1"), 40003,
        IpAddress.Parse("10.99.0.2"), 8003, new PacketTime(1795315771_253167_000));

    [Theory]
    [InlineData("CL4jsChdCjA52ECRW3", SelectorKind.Uid)]
    [InlineData("1:fcEvJr4NbMRgAf8d9mCKUM9wjQI=", SelectorKind.CommunityId)]
    [InlineData("10.99.0.1:40003-10.99.0.2:8003", SelectorKind.EndpointPair)]
    [InlineData("10.99.0.2:8003-10.99.0.1:40003", SelectorKind.EndpointPair)]
    [InlineData(" 10.99.0.1:40003 - 10.99.0.2:8003 ", SelectorKind.EndpointPair)]
    public void EachFormOfId_SelectsTheConnection(string text, SelectorKind kind)
    {
        Assert.True(ConnectionSelector.TryParse(text, out var selector, out var error), error);
        Assert.Equal(kind, selector!.Kind);
        Assert.True(selector.Matches(Connection));
    }

    [Theory]
    [InlineData("10.99.0.1:40003-10.99.0.2:8004")]
    [InlineData("CL4jsChdCjA52ECRW4")]
    public void OtherIds_DoNotMatch(string text)
    {
        Assert.True(ConnectionSelector.TryParse(text, out var selector, out _));
        Assert.False(selector!.Matches(Connection));
    }

    [Theory]
    [InlineData("")]
    [InlineData("C123")]
    [InlineData("10.99.0.1-10.99.0.2")]
    [InlineData("10.99.0.1:70000-10.99.0.2:80")]
    [InlineData("fd00::1:80-fd00::2:80")]
    [InlineData("a:1-b:2-c:3")]
    public void Malformed_IsRejectedWithTheAcceptedForms(string text)
    {
        Assert.False(ConnectionSelector.TryParse(text, out _, out var error));
        Assert.Contains("endpoint pair", error);
    }

    [Fact]
    public void BracketedIpv6Pair_IsAccepted()
    {
        Assert.True(ConnectionSelector.TryParse("[fd00:99::1]:40010-[fd00:99::2]:8010", out var selector, out _));
        Assert.True(selector!.Matches(new ConnectionIdentity(1, IpAddress.Parse("fd00:99::1"), 40010,
            IpAddress.Parse("fd00:99::2"), 8010, PacketTime.Zero)));
    }
}
