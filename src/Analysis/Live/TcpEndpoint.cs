using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Live;

/// <summary>One end of a connection: an address and a port, printed as "10.0.0.1:80" or "[2001:db8::1]:80".</summary>
public readonly record struct TcpEndpoint(IpAddress Address, ushort Port)
{
    public override string ToString() => Address.IsIpv4 ? $"{Address}:{Port}" : $"[{Address}]:{Port}";
}
