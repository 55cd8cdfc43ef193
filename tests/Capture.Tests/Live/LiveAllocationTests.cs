using System.Net;
using System.Net.Sockets;
using TcpState.Capture.Live;

namespace TcpState.Capture.Tests.Live;

/// <summary>Reading live frames hands out spans over libpcap's buffer: nothing is allocated per frame.</summary>
public class LiveAllocationTests
{
    [LiveCaptureFact]
    public void ReadingLiveFrames_AllocatesNothingPerFrame()
    {
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        using var source = LivePacketSource.Open(new LiveCaptureOptions { Device = "lo", Filter = $"udp dst port {port}" });
        using var done = new CancellationTokenSource();
        var sender = Task.Run(() =>
        {
            using var client = new UdpClient();
            var datagram = new byte[64];
            // Bounded: stops when the reader has enough, or after a million datagrams whatever happens.
            for (int i = 0; i < 1_000_000 && !done.IsCancellationRequested; i++)
                client.Send(datagram, datagram.Length, new IPEndPoint(IPAddress.Loopback, port));
        });

        const int warmUp = 5_000, window = 20_000;
        int frames = 0;
        long mark = 0, allocated = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (frames < warmUp + window && DateTime.UtcNow < deadline)
        {
            if (frames == warmUp && mark == 0)
                mark = GC.GetAllocatedBytesForCurrentThread();
            if (source.TryReadFrame(out var frame) && frame.Data.Length > 0)
                frames++;
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - mark;
        done.Cancel();
        sender.Wait();

        Assert.Equal(warmUp + window, frames);
        Assert.Equal(0, allocated);
    }
}
