using TcpState.Capture.Decoding;

namespace TcpState.Capture.Tests.Decoding;

/// <summary>
/// Frames are untrusted: whatever the bytes, the decoder returns one outcome and never throws. These sweeps cut and
/// corrupt valid frames of every encapsulation; a proper fuzzer comes later.
/// </summary>
public class RobustnessTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var sample in SampleFrames.All())
            data.Add(sample.Name);
        return data;
    }

    private static (byte[] Bytes, LinkType LinkType) Sample(string name)
    {
        var sample = SampleFrames.All().Single(s => s.Name == name);
        return (sample.Bytes, sample.LinkType);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void EverySample_DecodesToTcpWithAValidChecksum(string name)
    {
        var (bytes, linkType) = Sample(name);
        var decoded = Decoded.Of(bytes, linkType);
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        Assert.Equal(33, decoded.Segment.PayloadLength);
        Assert.Equal(1460, decoded.Segment.Options.Mss);
        Assert.Equal(ChecksumStatus.Valid, decoded.Segment.Checksum);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void CutBySnaplenAtAnyLength_IsTruncatedUntilTheTcpHeaderIsWhole(string name)
    {
        var (bytes, linkType) = Sample(name);
        int payloadStart = bytes.Length - 33;
        for (int captured = 0; captured < bytes.Length; captured++)
        {
            var decoded = Decoded.Of(bytes, linkType, capturedLength: captured);
            var expected = captured < payloadStart ? DecodeOutcome.TruncatedBySnaplen : DecodeOutcome.Tcp;
            Assert.True(expected == decoded.Outcome, $"{name} cut at {captured}: {decoded.Outcome} {decoded.Reason}");
            if (decoded.Outcome == DecodeOutcome.Tcp)
            {
                Assert.Equal(captured - payloadStart, decoded.Segment.CapturedPayloadLength);
                Assert.Equal(ChecksumStatus.NotVerified, decoded.Segment.Checksum);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void EndingEarlyAsACompleteFrame_IsNeverTcpWithInventedBytes(string name)
    {
        var (bytes, linkType) = Sample(name);
        for (int length = 0; length < bytes.Length; length++)
        {
            var decoded = Decoded.Of(bytes[..length], linkType);
            AssertConsistent(decoded);
            Assert.NotEqual(DecodeOutcome.TruncatedBySnaplen, decoded.Outcome);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void RandomCorruption_NeverThrows_AndOutcomesAreConsistent(string name)
    {
        var (bytes, linkType) = Sample(name);
        var random = new Random(name.Length * 7919 + bytes.Length);
        for (int round = 0; round < 3000; round++)
        {
            var corrupted = (byte[])bytes.Clone();
            int flips = 1 + random.Next(4);
            for (int i = 0; i < flips; i++)
                corrupted[random.Next(corrupted.Length)] = (byte)random.Next(256);
            int captured = random.Next(4) == 0 ? random.Next(corrupted.Length + 1) : corrupted.Length;
            int original = random.Next(3) == 0 ? captured + random.Next(2000) : corrupted.Length;
            AssertConsistent(Decoded.Of(corrupted, linkType, capturedLength: captured, originalLength: original));
        }
    }

    [Theory]
    [InlineData(LinkType.Ethernet)]
    [InlineData(LinkType.LinuxSll)]
    [InlineData(LinkType.LinuxSll2)]
    [InlineData(LinkType.Null)]
    [InlineData(LinkType.Raw)]
    [InlineData(LinkType.Ipv6)]
    public void RandomBytes_NeverThrow(LinkType linkType)
    {
        var random = new Random((int)linkType);
        for (int round = 0; round < 5000; round++)
        {
            var bytes = new byte[random.Next(200)];
            random.NextBytes(bytes);
            // Bias towards plausible headers so the walk gets past the first layer.
            if (bytes.Length > 20 && linkType is LinkType.Raw or LinkType.Ipv6)
                bytes[0] = (byte)(random.Next(2) == 0 ? 0x45 : 0x60);
            AssertConsistent(Decoded.Of(bytes, linkType, originalLength: bytes.Length + random.Next(3) * 100));
        }
    }

    private static void AssertConsistent(Decoded decoded)
    {
        Assert.True(decoded.Outcome != DecodeOutcome.Malformed || decoded.Reason != MalformedReason.None,
            "a malformed frame must say why");
        Assert.True(decoded.Outcome == DecodeOutcome.Malformed || decoded.Reason == MalformedReason.None);
        if (decoded.Outcome == DecodeOutcome.Tcp)
        {
            Assert.InRange(decoded.Segment.CapturedPayloadLength, 0, decoded.Segment.PayloadLength);
            Assert.True(decoded.Segment.IpVersion is 4 or 6);
        }
        else
        {
            Assert.Equal(default, decoded.Segment);
        }
    }
}
