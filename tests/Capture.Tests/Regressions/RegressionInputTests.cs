using TcpState.Capture.Decoding;
using TcpState.Capture.Files;

namespace TcpState.Capture.Tests.Regressions;

/// <summary>
/// Inputs the fuzzer (tests/Fuzzing) found, minimised and checked in. Each one is read and decoded to the end: no
/// exception, the source stops with a one-line message, every frame accounted for. Named tests below pin what each
/// finding was about.
/// </summary>
public class RegressionInputTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Regressions");

    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Folder).Where(p => p.EndsWith(".pcap", StringComparison.Ordinal) || p.EndsWith(".pcapng", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void EveryFinding_IsReadAndDecodedToAnEnd_WithEveryFrameAccountedFor(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, name));
        foreach (int bufferSize in (ReadOnlySpan<int>)[16, 4096, CaptureReadBuffer.DefaultSize])
        {
            if (!CaptureFile.TryOpen(new MemoryStream(bytes), name, bufferSize, out var source, out var error))
            {
                Assert.DoesNotContain('\n', error!);
                continue;
            }
            using (source)
            {
                var decoder = new FrameDecoder();
                var accounting = new FrameAccounting();
                long frames = 0;
                while (source!.TryReadFrame(out var frame))
                {
                    frames++;
                    decoder.Decode(frame, accounting, out _);
                }
                Assert.NotEqual(SourceStatus.Reading, source.Status);
                Assert.True(source.Status == SourceStatus.EndOfInput || source.ErrorMessage is { } message && !message.Contains('\n'),
                    $"{source.Status}: {source.ErrorMessage}");
                Assert.Equal(frames, accounting.FramesRead);
                Assert.True(accounting.AddsUp);
            }
        }
    }

    /// <summary>
    /// Fuzz seed 3, iteration 1931: an interface block whose length says 16 MiB in a file of 112 bytes. The read buffer
    /// grew to the claimed length before a byte of it arrived — 16 MiB (64 MiB at the block limit) for any tiny file.
    /// It now grows as the bytes arrive, so the claim costs what the file holds.
    /// </summary>
    [Fact]
    public void BlockClaiming16MiB_InA112ByteFile_GrowsTheBufferOnlyForTheBytesThatArrive()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "idb-length-16mib-in-112-bytes.pcapng"));
        Assert.True(CaptureFile.TryOpen(new MemoryStream(bytes), "x.pcapng", 16, out var source, out var error), error);
        using (source)
        {
            Assert.False(source!.TryReadFrame(out _));
            Assert.Equal(SourceStatus.Truncated, source.Status);
            Assert.Equal("x.pcapng: file cut short in block 2 (interface description block) at byte offset 104 (16777216 bytes needed, 8 present)", source.ErrorMessage);
            Assert.InRange(((CaptureFileReader)source).BufferCapacity, 16, 256);
        }
    }
}
