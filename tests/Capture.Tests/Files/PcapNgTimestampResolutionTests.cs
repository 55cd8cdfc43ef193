using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Files;

public class PcapNgTimestampResolutionTests
{
    [Theory]
    [InlineData(6, 1_700_000_000_123_456UL, 1_700_000_000_123_456_000L)]   // µs, the default
    [InlineData(9, 1_700_000_000_123_456_789UL, 1_700_000_000_123_456_789L)]
    [InlineData(3, 1_700_000_000_123UL, 1_700_000_000_123_000_000L)]
    [InlineData(0, 1_700_000_000UL, 1_700_000_000_000_000_000L)]
    [InlineData(12, 1_700_000_000_123_456_789UL, 1_700_000_000_123_456L)]  // ps: truncated to ns
    [InlineData(19, 17_000_000_000_000_000_000UL, 1_700_000_000L)]          // 10^-19: largest ulong power of ten
    [InlineData(30, ulong.MaxValue, 0L)]                                     // finer than any 64-bit count reaches
    [InlineData(0x80 | 10, 1024UL * 1_700_000_000 + 512, 1_700_000_000_500_000_000L)] // 2^-10
    [InlineData(0x80 | 10, 1UL, 976_562L)]                                   // 976,562.5 ns: the ns below
    [InlineData(0x80 | 32, (1_700_000_000UL << 32) | 0x8000_0000, 1_700_000_000_500_000_000L)]
    [InlineData(0x80 | 63, 1UL << 62, 500_000_000L)]                         // 128-bit product: no overflow
    [InlineData(0x80 | 127, ulong.MaxValue, 0L)]
    [InlineData(0x80, 3UL, 3_000_000_000L)]                                  // 2^0: seconds
    public void Units_ConvertToNanoseconds(byte tsresol, ulong units, long expected)
    {
        Assert.Equal(expected, PcapNgTimestampResolution.FromOption(tsresol).ToNanoseconds(units));
    }

    [Fact]
    public void Default_IsMicroseconds()
    {
        Assert.Equal(5_000L, PcapNgTimestampResolution.Microseconds.ToNanoseconds(5));
    }
}
