using System.Buffers.Binary;
using System.Security.Cryptography;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Records;

/// <summary>
/// Community ID flow hashing, version 1 (https://github.com/corelight/community-id-spec): the same string Zeek,
/// Suricata and Wireshark compute for a flow, so tcpstate's records join with theirs.
/// </summary>
public static class CommunityId
{
    private const byte TcpProtocol = 6;

    public static string Compute(IpAddress source, ushort sourcePort, IpAddress destination, ushort destinationPort, ushort seed = 0)
    {
        // The endpoint with the smaller address (then port) goes first, so both directions hash alike.
        int order = source.CompareTo(destination);
        if (order > 0 || (order == 0 && sourcePort > destinationPort))
        {
            (source, destination) = (destination, source);
            (sourcePort, destinationPort) = (destinationPort, sourcePort);
        }

        Span<byte> input = stackalloc byte[2 + 16 + 16 + 1 + 1 + 2 + 2];
        int n = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input, seed);
        n += 2;
        n += source.WriteBytes(input[n..]);
        n += destination.WriteBytes(input[n..]);
        input[n++] = TcpProtocol;
        input[n++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input[n..], sourcePort);
        n += 2;
        BinaryPrimitives.WriteUInt16BigEndian(input[n..], destinationPort);
        n += 2;

        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..n], digest);
        return "1:" + Convert.ToBase64String(digest);
    }
}
