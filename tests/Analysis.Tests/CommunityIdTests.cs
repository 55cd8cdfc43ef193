using TcpState.Analysis.Records;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Tests;

public class CommunityIdTests
{
    [Fact]
    public void MatchesTheSpecificationsTcpExample()
    {
        // The TCP example of the Community ID v1 specification's baseline (seed 0).
        var id = CommunityId.Compute(IpAddress.Parse("128.232.110.120"), 34855, IpAddress.Parse("66.35.250.204"), 80);

        Assert.Equal("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", id);
    }

    [Fact]
    public void IsTheSameInBothDirections()
    {
        var a = IpAddress.Parse("fd00:99::1");
        var b = IpAddress.Parse("fd00:99::2");

        Assert.Equal(CommunityId.Compute(a, 40010, b, 8010), CommunityId.Compute(b, 8010, a, 40010));
        Assert.NotEqual(CommunityId.Compute(a, 40010, b, 8010), CommunityId.Compute(a, 40011, b, 8010));
    }

    [Fact]
    public void DependsOnTheSeed()
    {
        var a = IpAddress.Parse("10.0.0.1");
        var b = IpAddress.Parse("10.0.0.2");

        Assert.NotEqual(CommunityId.Compute(a, 1, b, 2, seed: 0), CommunityId.Compute(a, 1, b, 2, seed: 1));
    }
}
