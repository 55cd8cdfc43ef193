using System.Net;
using System.Net.Sockets;

namespace TcpState.Cli.Tests;

/// <summary>
/// Real TCP connections on 127.0.0.1 opened by the test itself, each one a situation live capture must recognise.
/// Every method returns when the kernel has done its part (the FIN is sent, the RST received).
/// </summary>
internal sealed class Loopback : IDisposable
{
    private readonly List<IDisposable> _held = [];

    public Loopback()
    {
        Listener = new TcpListener(IPAddress.Loopback, 0);
        Listener.Start();
        RefusedPort = UnusedPort();
    }

    public TcpListener Listener { get; }

    public int Port => ((IPEndPoint)Listener.LocalEndpoint).Port;

    /// <summary>A port with nothing listening (bound a moment ago and released), so a connect is refused with RST.</summary>
    public int RefusedPort { get; }

    /// <summary>The BPF filter that sees exactly this test's traffic.</summary>
    public string Filter => $"tcp port {Port} or tcp port {RefusedPort}";

    /// <summary>Connects to <see cref="RefusedPort"/>; the RST refuses it. Returns the client's port.</summary>
    public int ConnectRefused()
    {
        using var client = NewClient();
        var error = Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, RefusedPort));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        return ((IPEndPoint)client.LocalEndPoint!).Port;
    }

    /// <summary>Request, response, then the client closes first and the server follows: the client ends in TIME_WAIT.</summary>
    public int NormalExchange()
    {
        using var client = NewClient();
        client.Connect(IPAddress.Loopback, Port);
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        using var server = Listener.AcceptSocket();
        client.Send("hello"u8);
        ReceiveExactly(server, 5);
        server.Send("world"u8);
        ReceiveExactly(client, 5);
        client.Close();
        Assert.Equal(0, server.Receive(new byte[16])); // the client's FIN has arrived
        server.Close();
        return clientPort;
    }

    /// <summary>
    /// The client closes; the server application never does, so the server sits in CLOSE_WAIT and the client in
    /// FIN_WAIT_2 for as long as this object lives.
    /// </summary>
    public int ServerNeverCloses()
    {
        var client = NewClient();
        client.Connect(IPAddress.Loopback, Port);
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        var server = Listener.AcceptSocket();
        _held.Add(server);
        client.Close();
        Assert.Equal(0, server.Receive(new byte[16])); // the FIN arrived: the server is in CLOSE_WAIT
        return clientPort;
    }

    public void Dispose()
    {
        foreach (var held in _held)
            held.Dispose();
        Listener.Stop();
    }

    private static Socket NewClient()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static int UnusedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private static void ReceiveExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (int received = 0; received < count;)
        {
            int n = socket.Receive(buffer, received, count - received, SocketFlags.None);
            Assert.True(n > 0, "the peer closed early");
            received += n;
        }
    }
}
