using System.Globalization;
using System.Text;
using TcpState.Capture.Decoding;

namespace TcpState.Capture.Tests.Decoding;

/// <summary>The span formatters JSON output uses write exactly what the string forms (and Zeek's double) give.</summary>
public class TextFormatTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(999L)]
    [InlineData(1_000L)]
    [InlineData(1_700_000_000_123_456_789L)]
    [InlineData(1_700_000_000_000_000_000L)]
    [InlineData(1_700_000_000_999_999_999L)]
    [InlineData(3_999_999_999_999_999_000L)] // the last microsecond split as integers
    [InlineData(4_000_000_000_000_000_000L)] // from here on, the double's digits
    [InlineData(9_007_199_254_740_991_999L)]
    [InlineData(long.MaxValue)]
    [InlineData(-1_000L)]
    [InlineData(-1_500_000_000L)]
    public void ZeekTime_IsTheDoubleOfItsMicrosecondsToSixPlaces(long unixNanoseconds)
    {
        var time = new PacketTime(unixNanoseconds);
        string expected = (unixNanoseconds / 1000 / 1_000_000.0).ToString("F6", CultureInfo.InvariantCulture);

        Span<byte> text = stackalloc byte[PacketTime.MaxZeekLength];
        Assert.Equal(expected, Encoding.ASCII.GetString(text[..time.FormatZeek(text)]));
        Assert.Equal(expected, time.ToZeekString());
    }

    [Fact]
    public void ZeekTime_AgreesWithTheDouble_OverAMillionMicrosecondsOfThisCentury()
    {
        var random = new Random(7);
        Span<byte> text = stackalloc byte[PacketTime.MaxZeekLength];
        for (int i = 0; i < 1_000_000; i++)
        {
            long microseconds = random.NextInt64(0, 4_000_000_000_000_000);
            string expected = (microseconds / 1_000_000.0).ToString("F6", CultureInfo.InvariantCulture);
            var time = new PacketTime(microseconds * 1000 + random.Next(1000));
            Assert.Equal(expected, Encoding.ASCII.GetString(text[..time.FormatZeek(text)]));
        }
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("10.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("192.168.100.9")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("2001:db8::8a2e:370:7334")]
    [InlineData("fe80::1:2:3:4")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("::ffff:10.1.2.3")]
    public void Address_WritesWhatToStringGives(string text)
    {
        var address = IpAddress.Parse(text);
        Span<byte> utf8 = stackalloc byte[IpAddress.MaxTextLength];

        Assert.Equal(address.ToString(), Encoding.ASCII.GetString(utf8[..address.FormatUtf8(utf8)]));
    }
}
