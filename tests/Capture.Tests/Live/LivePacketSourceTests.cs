using System.Net;
using System.Net.Sockets;
using TcpState.Capture.Decoding;
using TcpState.Capture.Live;

namespace TcpState.Capture.Tests.Live;

/// <summary>
/// Live capture on loopback of connections the test itself opens, with a BPF filter on the test's own port so nothing
/// else on the machine gets in. Every wait is for an event; the bounds are failure guards only.
/// </summary>
public class LivePacketSourceTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static LivePacketSource OpenOnPort(int port) =>
        LivePacketSource.Open(new LiveCaptureOptions { Device = "lo", Filter = $"tcp port {port}" });

    private static TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private static int PortOf(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Reads until <paramref name="enough"/> says so; a read that times out just reads again.</summary>
    private static List<TcpSegment> ReadSegments(LivePacketSource source, Func<List<TcpSegment>, bool> enough)
    {
        var decoder = new FrameDecoder(new DecoderOptions { VerifyChecksums = false });
        var segments = new List<TcpSegment>();
        var deadline = DateTime.UtcNow + Guard;
        while (!enough(segments))
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {segments.Count} segments captured before the guard expired");
            if (source.TryReadFrame(out var frame) && decoder.Decode(frame, out var segment, out _) == DecodeOutcome.Tcp)
                segments.Add(segment);
            Assert.Equal(SourceStatus.Reading, source.Status);
        }
        return segments;
    }

    [LiveCaptureFact]
    public void OwnConnection_IsCapturedFromTheHandshakeOn_WithKernelTimestamps()
    {
        using var listener = Listen();
        int port = PortOf(listener);
        using var source = OpenOnPort(port);
        var before = DateTime.UtcNow;

        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        using var accepted = listener.AcceptTcpClient();
        client.GetStream().Write("hello"u8);

        var segments = ReadSegments(source, s => s.Any(x => x.PayloadLength == 5));
        var after = DateTime.UtcNow;

        Assert.Equal(LinkType.Ethernet, source.LinkType);
        Assert.True(source.NanosecondTimestamps);
        Assert.Equal(TcpFlags.Syn, segments[0].Flags);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, segments[1].Flags);
        Assert.All(segments, s => Assert.Contains(port, new[] { (int)s.SourcePort, s.DestinationPort }));
        // The kernel stamps packets from the wall clock, as the idle clock reads it: both must agree on the epoch.
        Assert.All(segments, s => Assert.InRange(s.Timestamp.UnixNanoseconds,
            (before - DateTime.UnixEpoch).Ticks * 100 - 1_000_000_000, (after - DateTime.UnixEpoch).Ticks * 100 + 1_000_000_000));
        Assert.True(source.ReadStatistics().Received >= segments.Count);
    }

    [LiveCaptureFact]
    public void QuietLink_ReadReturnsEmptyHanded_AndTheSourceKeepsReading()
    {
        using var listener = Listen();
        using var source = OpenOnPort(PortOf(listener));

        var read = Task.Run(() => (source.TryReadFrame(out _), source.Status));

        Assert.True(read.Wait(Guard), "a read on a silent link must come back after the read timeout");
        Assert.Equal((false, SourceStatus.Reading), read.Result);
    }

    [LiveCaptureFact]
    public void RequestStop_FromAnotherThread_EndsTheReadingLoop()
    {
        using var listener = Listen();
        using var source = OpenOnPort(PortOf(listener));
        using var reading = new ManualResetEventSlim();
        var loop = Task.Run(() =>
        {
            reading.Set();
            while (source.TryReadFrame(out _) || source.Status == SourceStatus.Reading)
            {
            }
            return source.Status;
        });
        Assert.True(reading.Wait(Guard));

        source.RequestStop();

        Assert.True(loop.Wait(Guard), "the loop must end after RequestStop");
        Assert.Equal(SourceStatus.EndOfInput, loop.Result);
        Assert.True(source.StopRequested);
    }

    [LiveCaptureFact]
    public void UnknownDevice_IsNoSuchDevice()
    {
        var error = Assert.Throws<CaptureException>(() => LivePacketSource.Open(new LiveCaptureOptions { Device = "tcpstate-none0" }));

        Assert.Equal(CaptureError.NoSuchDevice, error.Error);
        Assert.Contains("tcpstate-none0", error.Message);
    }

    [LiveCaptureFact]
    public void BadFilter_IsBadFilter_WithLibpcapsMessage()
    {
        var error = Assert.Throws<CaptureException>(() =>
            LivePacketSource.Open(new LiveCaptureOptions { Device = "lo", Filter = "tcp port eighty" }));

        Assert.Equal(CaptureError.BadFilter, error.Error);
        Assert.Contains("'tcp port eighty'", error.Message);
        Assert.False(string.IsNullOrEmpty(error.LibPcapMessage));
    }

    [LiveCaptureFact]
    public void Disposing_ThenRequestingStop_IsHarmless()
    {
        var source = LivePacketSource.Open(new LiveCaptureOptions { Device = "lo", Filter = "tcp port 9" });
        source.Dispose();

        source.RequestStop();
        source.Dispose();

        Assert.True(source.StopRequested);
    }
}
