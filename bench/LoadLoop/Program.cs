using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TcpState.Bench.LoadLoop;

/// <summary>
/// A bounded load of real TCP connections on 127.0.0.1, for measuring capture drops: each connection does a handshake,
/// a few small request/response exchanges and a client-first close, and the exchanges are paced to a target packet rate
/// (about two packets per exchange plus seven for opening and closing). It stops after the given time, whatever happens.
/// </summary>
/// <remarks>usage: loadloop PORT SECONDS PACKETS_PER_SECOND [CLIENTS] [EXCHANGES_PER_CONNECTION]</remarks>
public static class Program
{
    private const int MessageSize = 32;
    private const int PacketsPerExchange = 2;
    private const int PacketsToOpenAndClose = 7;

    public static int Main(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: loadloop PORT SECONDS PACKETS_PER_SECOND [CLIENTS] [EXCHANGES_PER_CONNECTION]");
            return 2;
        }
        int port = int.Parse(args[0], CultureInfo.InvariantCulture);
        double seconds = double.Parse(args[1], CultureInfo.InvariantCulture);
        double packetsPerSecond = double.Parse(args[2], CultureInfo.InvariantCulture);
        int clients = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;
        int exchanges = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 8;

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4096);

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var pacer = new Pacer(packetsPerSecond / (PacketsPerExchange + PacketsToOpenAndClose / (double)exchanges));
        var servers = Enumerable.Range(0, clients).Select(_ => new Thread(() => Serve(listener)) { IsBackground = true }).ToList();
        servers.ForEach(t => t.Start());
        var stopwatch = Stopwatch.StartNew();
        var done = new long[clients];
        var workers = Enumerable.Range(0, clients)
            .Select(i => new Thread(() => done[i] = Client(i, port, exchanges, pacer, stop.Token)) { IsBackground = true }).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        double elapsed = stopwatch.Elapsed.TotalSeconds;
        listener.Close();

        long connections = done.Sum();
        long estimatedPackets = connections * (exchanges * PacketsPerExchange + PacketsToOpenAndClose);
        Console.WriteLine(FormattableString.Invariant(
            $"loadloop: {connections} connections in {elapsed:F1} s ({connections / elapsed:F0}/s), about {estimatedPackets / elapsed:F0} packets/s"));
        return 0;
    }

    /// <summary>
    /// One client: connections one after another, each with its exchanges, closing first. Each connection comes from
    /// the next of 250 loopback addresses (127.1.CLIENT.1–250): from a single address Linux would soon hand out a port
    /// whose previous connection is still in TIME_WAIT (tcp_tw_reuse), which is an anomaly tcpstate reports on every
    /// such connection, and the load is meant to look like ordinary traffic.
    /// </summary>
    private static long Client(int client, int port, int exchanges, Pacer pacer, CancellationToken stop)
    {
        var message = new byte[MessageSize];
        var reply = new byte[MessageSize];
        var server = new IPEndPoint(IPAddress.Loopback, port);
        long connections = 0;
        while (!stop.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(new IPAddress([127, 1, (byte)client, (byte)(1 + connections % 250)]), 0));
                socket.Connect(server);
                for (int i = 0; i < exchanges && !stop.IsCancellationRequested; i++)
                {
                    pacer.WaitTurn();
                    socket.Send(message);
                    ReceiveExactly(socket, reply);
                }
                socket.Shutdown(SocketShutdown.Send);
                socket.Receive(reply); // the server's FIN
                connections++;
            }
            catch (SocketException)
            {
                // Ephemeral ports or the backlog ran short for a moment: the next connection tries again.
            }
        }
        return connections;
    }

    /// <summary>One server thread: accepts a connection and echoes until the client closes, then the next.</summary>
    private static void Serve(Socket listener)
    {
        var buffer = new byte[MessageSize];
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            using (accepted)
            {
                accepted.NoDelay = true;
                try
                {
                    int n;
                    while ((n = accepted.Receive(buffer)) > 0)
                        accepted.Send(buffer, n, SocketFlags.None);
                }
                catch (SocketException)
                {
                }
            }
        }
    }

    private static void ReceiveExactly(Socket socket, byte[] buffer)
    {
        for (int received = 0; received < buffer.Length;)
        {
            int n = socket.Receive(buffer, received, buffer.Length - received, SocketFlags.None);
            if (n == 0)
                throw new SocketException((int)SocketError.ConnectionReset);
            received += n;
        }
    }

    /// <summary>Hands out exchange slots at a fixed rate across all clients; a client ahead of schedule sleeps.</summary>
    private sealed class Pacer(double perSecond)
    {
        private readonly long _start = Stopwatch.GetTimestamp();
        private long _issued;

        public void WaitTurn()
        {
            long slot = Interlocked.Increment(ref _issued);
            double due = slot / perSecond;
            while (Stopwatch.GetElapsedTime(_start).TotalSeconds < due)
                Thread.Sleep(1);
        }
    }
}
