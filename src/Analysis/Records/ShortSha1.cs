using System.Buffers.Binary;
using System.Numerics;

namespace TcpState.Analysis.Records;

/// <summary>
/// SHA-1 (FIPS 180-4 §6.1) of a message short enough to fit one 64-byte block with its padding: a Community ID's
/// input is 16 bytes for IPv4 and 40 for IPv6. The platform's SHA1.HashData goes through OpenSSL, whose setup and
/// error-queue clearing cost twice the hash itself at this size, and json computes one per connection.
/// </summary>
internal static class ShortSha1
{
    /// <summary>The longest message that fits one block: 64 bytes less the 0x80 marker and the 8-byte bit length.</summary>
    public const int MaxMessageLength = 55;

    public const int DigestLength = 20;

    public static void Hash(ReadOnlySpan<byte> message, Span<byte> digest)
    {
        if (message.Length > MaxMessageLength)
            throw new ArgumentException($"ShortSha1 takes at most {MaxMessageLength} bytes.", nameof(message));

        Span<byte> block = stackalloc byte[64];
        block.Clear();
        message.CopyTo(block);
        block[message.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)message.Length * 8);

        Span<uint> schedule = stackalloc uint[80];
        for (int t = 0; t < 16; t++)
            schedule[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * t)..]);
        for (int t = 16; t < 80; t++)
            schedule[t] = BitOperations.RotateLeft(schedule[t - 3] ^ schedule[t - 8] ^ schedule[t - 14] ^ schedule[t - 16], 1);

        const uint H0 = 0x67452301, H1 = 0xEFCDAB89, H2 = 0x98BADCFE, H3 = 0x10325476, H4 = 0xC3D2E1F0;
        uint a = H0, b = H1, c = H2, d = H3, e = H4;
        // The four 20-round stages as separate loops, so no round chooses its function.
        for (int t = 0; t < 20; t++)
            Round(ref a, ref b, ref c, ref d, ref e, ((b & c) | (~b & d)) + 0x5A827999u + schedule[t]);
        for (int t = 20; t < 40; t++)
            Round(ref a, ref b, ref c, ref d, ref e, (b ^ c ^ d) + 0x6ED9EBA1u + schedule[t]);
        for (int t = 40; t < 60; t++)
            Round(ref a, ref b, ref c, ref d, ref e, ((b & c) | (b & d) | (c & d)) + 0x8F1BBCDCu + schedule[t]);
        for (int t = 60; t < 80; t++)
            Round(ref a, ref b, ref c, ref d, ref e, (b ^ c ^ d) + 0xCA62C1D6u + schedule[t]);

        BinaryPrimitives.WriteUInt32BigEndian(digest, H0 + a);
        BinaryPrimitives.WriteUInt32BigEndian(digest[4..], H1 + b);
        BinaryPrimitives.WriteUInt32BigEndian(digest[8..], H2 + c);
        BinaryPrimitives.WriteUInt32BigEndian(digest[12..], H3 + d);
        BinaryPrimitives.WriteUInt32BigEndian(digest[16..], H4 + e);
    }

    /// <summary>One round: <paramref name="mixed"/> is the stage's function of b, c, d plus its constant and the schedule word.</summary>
    private static void Round(ref uint a, ref uint b, ref uint c, ref uint d, ref uint e, uint mixed)
    {
        uint next = BitOperations.RotateLeft(a, 5) + mixed + e;
        e = d;
        d = c;
        c = BitOperations.RotateLeft(b, 30);
        b = a;
        a = next;
    }
}
