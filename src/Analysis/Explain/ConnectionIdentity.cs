using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Explain;

/// <summary>The names a user can pick a connection by: its uid, its Community ID and its two endpoints.</summary>
public sealed record ConnectionIdentity
{
    /// <summary>The connection's creation order in the run (<see cref="ConnectionView.Id"/>): the same on every run over the same input.</summary>
    public required long Id { get; init; }
    public required string Uid { get; init; }
    public required string CommunityId { get; init; }
    public required IpAddress OriginatorAddress { get; init; }
    public required ushort OriginatorPort { get; init; }
    public required IpAddress ResponderAddress { get; init; }
    public required ushort ResponderPort { get; init; }
    public required PacketTime Start { get; init; }

    /// <summary>"10.99.0.1:40001", or "[fd00:99::1]:40010" for IPv6.</summary>
    public string Originator => FormatEndpoint(OriginatorAddress, OriginatorPort);

    public string Responder => FormatEndpoint(ResponderAddress, ResponderPort);

    /// <summary>Computes the identity; the uid and Community ID are hashes, so call this once per connection, not per packet.</summary>
    public static ConnectionIdentity Of(in ConnectionView connection) => new()
    {
        Id = connection.Id,
        Uid = connection.Uid,
        CommunityId = connection.CommunityId,
        OriginatorAddress = connection.OriginatorAddress,
        OriginatorPort = connection.OriginatorPort,
        ResponderAddress = connection.ResponderAddress,
        ResponderPort = connection.ResponderPort,
        Start = connection.Start,
    };

    public static string FormatEndpoint(IpAddress address, ushort port) =>
        address.IsIpv4 ? $"{address}:{port}" : $"[{address}]:{port}";
}
