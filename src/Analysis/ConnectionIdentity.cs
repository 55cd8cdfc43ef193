using TcpState.Analysis.Records;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis;

/// <summary>
/// Who a connection is — its endpoints by role and when it started — as a plain value that observers can keep after
/// the view is gone. The uid and Community ID are computed only when asked for.
/// </summary>
public readonly record struct ConnectionIdentity(
    long Id,
    IpAddress OriginatorAddress,
    ushort OriginatorPort,
    IpAddress ResponderAddress,
    ushort ResponderPort,
    PacketTime Start)
{
    public string Uid => ConnectionUid.For(OriginatorAddress, OriginatorPort, ResponderAddress, ResponderPort, Start);

    /// <summary>Writes <see cref="Uid"/> into <paramref name="text"/> (<see cref="ConnectionUid.Length"/> characters) without making a string.</summary>
    public void WriteUid(Span<char> text) =>
        ConnectionUid.Write(OriginatorAddress, OriginatorPort, ResponderAddress, ResponderPort, Start, text);

    /// <summary>The <see cref="Uid"/>'s <see cref="ConnectionUid.Key"/>: equal exactly when the uids are, without writing them.</summary>
    public ulong UidKey => ConnectionUid.Key(OriginatorAddress, OriginatorPort, ResponderAddress, ResponderPort, Start);

    public string CommunityId => Records.CommunityId.Compute(OriginatorAddress, OriginatorPort, ResponderAddress, ResponderPort);

    public string Originator => Format(OriginatorAddress, OriginatorPort);

    public string Responder => Format(ResponderAddress, ResponderPort);

    public static string Format(IpAddress address, ushort port) => address.IsIpv4 ? $"{address}:{port}" : $"[{address}]:{port}";
}
