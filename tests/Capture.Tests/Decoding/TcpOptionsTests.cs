using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

public class TcpOptionsTests
{
    private static TcpOptions OptionsOf(string optionsHex)
    {
        var decoded = Decoded.Of(Ethernet(0x0800, Ipv4(6, Tcp(options: Hex(optionsHex)))));
        Assert.Equal(DecodeOutcome.Tcp, decoded.Outcome);
        return decoded.Segment.Options;
    }

    [Fact]
    public void LinuxSynOptions()
    {
        // mss 1460, sackOK, TS val 3079526072 ecr 0, nop, wscale 7 (the VXLAN trace's inner SYN).
        var options = OptionsOf("020405b4 0402 080ab78dd6b800000000 01 030307");
        Assert.Equal(1460, options.Mss);
        Assert.True(options.SackPermitted);
        Assert.True(options.HasTimestamp);
        Assert.Equal(3079526072u, options.TimestampValue);
        Assert.Equal(0u, options.TimestampEcho);
        Assert.Equal(7, options.WindowScale);
        Assert.False(options.HasFastOpen);
        Assert.False(options.Malformed);
    }

    [Fact]
    public void NoOptions_IsNone() => Assert.Equal(TcpOptions.None, OptionsOf(""));

    [Fact]
    public void Sack_WithThreeBlocks_CountsAndKeepsTheFirst()
    {
        var options = OptionsOf("0101 051a 00000064000000c8 0000012c00000190 000001f4000002bc");
        Assert.Equal(3, options.SackBlockCount);
        Assert.Equal(100u, options.FirstSackLeft);
        Assert.Equal(200u, options.FirstSackRight);
        Assert.False(options.Malformed);
    }

    [Fact]
    public void FastOpen_CookieAndCookieRequest()
    {
        var cookie = OptionsOf("220a 0102030405060708");
        Assert.True(cookie.HasFastOpen);
        Assert.Equal(8, cookie.FastOpenCookieLength);

        var request = OptionsOf("2202");
        Assert.True(request.HasFastOpen);
        Assert.Equal(0, request.FastOpenCookieLength);
    }

    [Fact]
    public void ExperimentalFastOpen_WithMagic()
    {
        var cookie = OptionsOf("fe0c f989 0102030405060708");
        Assert.True(cookie.HasFastOpen);
        Assert.Equal(8, cookie.FastOpenCookieLength);

        var request = OptionsOf("fe04 f989");
        Assert.True(request.HasFastOpen);
        Assert.Equal(0, request.FastOpenCookieLength);
    }

    [Fact]
    public void ExperimentalOption_WithOtherMagic_IsNotFastOpen() =>
        Assert.False(OptionsOf("fe06 4d50 0000").HasFastOpen);

    [Fact]
    public void EndOfOptionList_StopsTheWalk()
    {
        var options = OptionsOf("020405b4 00 030307");
        Assert.Equal(1460, options.Mss);
        Assert.Equal(-1, options.WindowScale);
        Assert.False(options.Malformed);
    }

    [Theory]
    [InlineData("020405b4 0800")]
    [InlineData("020405b4 0801")]
    public void ZeroOrOneLength_IsMalformed_KeepingEarlierOptions(string hex)
    {
        var options = OptionsOf(hex);
        Assert.True(options.Malformed);
        Assert.Equal(1460, options.Mss);
        Assert.False(options.HasTimestamp);
    }

    [Fact]
    public void OptionRunningPastTheHeader_IsMalformed()
    {
        var options = OptionsOf("030307 080a0000");
        Assert.True(options.Malformed);
        Assert.Equal(7, options.WindowScale);
    }

    [Fact]
    public void KindWithoutLengthByteAtTheEnd_IsMalformed() => Assert.True(OptionsOf("010101 02").Malformed);

    [Fact]
    public void KnownOptionWithWrongLength_IsIgnored()
    {
        var options = OptionsOf("020305 030307");
        Assert.Equal(0, options.Mss);
        Assert.Equal(7, options.WindowScale);
        Assert.False(options.Malformed);
    }

    [Fact]
    public void HugeWindowScale_IsKeptAsSentUpToTheFieldsRange()
    {
        Assert.Equal(15, OptionsOf("03030f").WindowScale);
        Assert.Equal(sbyte.MaxValue, OptionsOf("0303ff").WindowScale);
    }

    [Fact]
    public void UnknownOptions_AreSkippedByLength()
    {
        var options = OptionsOf("1e040000 020405b4"); // MPTCP (30), then MSS
        Assert.Equal(1460, options.Mss);
    }
}
