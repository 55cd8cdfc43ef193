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

    /// <summary>The one-block SHA-1 behind the IDs gives the platform's digest for every length it takes.</summary>
    [Fact]
    public void ShortSha1_AgreesWithThePlatformsSha1_ForEveryLengthItTakes()
    {
        var random = new Random(20261122);
        var expected = new byte[ShortSha1.DigestLength];
        var actual = new byte[ShortSha1.DigestLength];
        for (int length = 0; length <= ShortSha1.MaxMessageLength; length++)
            for (int i = 0; i < 200; i++)
            {
                var message = new byte[length];
                random.NextBytes(message);
                System.Security.Cryptography.SHA1.HashData(message, expected);
                ShortSha1.Hash(message, actual);
                Assert.Equal(expected, actual);
            }
        Assert.Throws<ArgumentException>(() => ShortSha1.Hash(new byte[ShortSha1.MaxMessageLength + 1], actual));
    }

    [Fact]
    public void DependsOnTheSeed()
    {
        var a = IpAddress.Parse("10.0.0.1");
        var b = IpAddress.Parse("10.0.0.2");

        Assert.NotEqual(CommunityId.Compute(a, 1, b, 2, seed: 0), CommunityId.Compute(a, 1, b, 2, seed: 1));
    }
}
