using System.Buffers.Binary;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Records;

/// <summary>
/// Community ID flow hashing, version 1 (https://github.com/corelight/community-id-spec): the same string Zeek,
/// Suricata and Wireshark compute for a flow, so tcpstate's records join with theirs.
/// </summary>
public static class CommunityId
{
    private const byte TcpProtocol = 6;

    /// <summary>Characters in a Community ID: "1:" and the base64 of a SHA-1 digest.</summary>
    public const int Length = 30;

    public static string Compute(IpAddress source, ushort sourcePort, IpAddress destination, ushort destinationPort, ushort seed = 0)
    {
        Span<char> text = stackalloc char[Length];
        Write(source, sourcePort, destination, destinationPort, text, seed);
        return new string(text);
    }

    /// <summary>Writes the ID <see cref="Compute"/> returns into <paramref name="text"/> (<see cref="Length"/> characters).</summary>
    public static void Write(IpAddress source, ushort sourcePort, IpAddress destination, ushort destinationPort, Span<char> text,
        ushort seed = 0)
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

        Span<byte> digest = stackalloc byte[ShortSha1.DigestLength];
        ShortSha1.Hash(input[..n], digest);
        text[0] = '1';
        text[1] = ':';
        Convert.TryToBase64Chars(digest, text[2..Length], out _);
    }
}
