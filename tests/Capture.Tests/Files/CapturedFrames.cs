using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Files;

/// <summary>A frame copied out of a source, so it outlives the next read.</summary>
internal sealed record CapturedFrame(byte[] Data, int OriginalLength, long UnixNanoseconds, LinkType LinkType);

/// <summary>Everything a source produced, and how it stopped.</summary>
internal sealed record CapturedFrames(List<CapturedFrame> Frames, SourceStatus Status, string? ErrorMessage)
{
    public static CapturedFrames From(IPacketSource source)
    {
        var frames = new List<CapturedFrame>();
        while (source.TryReadFrame(out var frame))
            frames.Add(new CapturedFrame(frame.Data.ToArray(), frame.OriginalLength, frame.Timestamp.UnixNanoseconds, frame.LinkType));
        // Once stopped, a source stays stopped.
        Assert.False(source.TryReadFrame(out _));
        return new CapturedFrames(frames, source.Status, source.ErrorMessage);
    }

    /// <summary>Opens <paramref name="bytes"/> as a stream named <paramref name="name"/> and reads it to the end.</summary>
    public static CapturedFrames Read(byte[] bytes, string name = "test.pcap", int bufferSize = 1024 * 1024,
        int maxBytesPerRead = int.MaxValue)
    {
        var stream = new ForwardOnlyStream(bytes, maxBytesPerRead);
        Assert.True(CaptureFile.TryOpen(stream, name, bufferSize, out var source, out var error), error);
        using (source)
            return From(source!);
    }
}
