using System.Net;
using System.Net.Sockets;

namespace TcpState.Cli.Tests;

/// <summary>
/// A bounded load on 127.0.0.1 from the test itself: connection after connection to the test's own listener, each
/// carrying a payload and closed by the server first, on a background thread until stopped or the bound is reached.
/// </summary>
internal sealed class LoopbackLoad : IDisposable
{
    private readonly TcpListener _listener;
    private readonly byte[] _payload;
    private readonly int _maxConnections;
    private readonly Thread _thread;
    private volatile bool _stop;
    private int _completed;
    private Exception? _failure;

    public LoopbackLoad(TcpListener listener, int maxConnections, int payloadBytes)
    {
        _listener = listener;
        _payload = new byte[payloadBytes];
        _maxConnections = maxConnections;
        _thread = new Thread(Run) { IsBackground = true, Name = "loopback load" };
        _thread.Start();
    }

    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Stops after the connection under way, and fails the test if one went wrong.</summary>
    public void Stop()
    {
        _stop = true;
        Assert.True(_thread.Join(LiveProcess.Guard), "the loopback load did not stop");
        if (_failure is not null)
            throw new InvalidOperationException("the loopback load failed", _failure);
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(LiveProcess.Guard);
    }

    private void Run()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            for (int i = 0; i < _maxConnections && !_stop; i++)
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                client.Connect(_listener.LocalEndpoint);
                using var server = _listener.AcceptSocket();
                client.Send(_payload);
                for (int received = 0; received < _payload.Length;)
                {
                    int n = server.Receive(buffer);
                    Assert.True(n > 0, "the client closed early");
                    received += n;
                }
                // The server closes first, so TIME_WAIT is held on the listener's port: thousands of connections leave
                // no client port in TIME_WAIT, and other tests still find free ephemeral ports.
                server.Close();
                Assert.Equal(0, client.Receive(buffer));
                client.Close();
                Interlocked.Increment(ref _completed);
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }
}
