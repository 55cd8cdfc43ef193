using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Files;

/// <summary>The read buffer trusts no length: it grows for bytes that arrive, by doubling, never for a claim.</summary>
public class ReadBufferTests
{
    [Fact]
    public void ClaimLargerThanTheInput_FailsWithABufferSizedByTheInput()
    {
        var input = new byte[1000];
        using var buffer = new CaptureReadBuffer(new ForwardOnlyStream(input, maxBytesPerRead: 100), [], initialSize: 16);

        Assert.False(buffer.TryEnsure(CaptureFileLimits.MaxPcapNgBlockLength));

        Assert.Equal(1000, buffer.Available);
        Assert.InRange(buffer.Capacity, 1000, 2048);
    }

    [Fact]
    public void RecordLargerThanTheBuffer_IsBufferedWholeByDoubling()
    {
        var input = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        using var buffer = new CaptureReadBuffer(new ForwardOnlyStream(input, maxBytesPerRead: 777), [], initialSize: 16);
        Assert.True(buffer.TryEnsure(10));
        buffer.Advance(10);

        Assert.True(buffer.TryEnsure(90_000));

        Assert.Equal(input.AsSpan(10, 90_000).ToArray(), buffer.Peek(90_000).ToArray());
        Assert.InRange(buffer.Capacity, 90_000, 2 * 131_072);
    }
}
