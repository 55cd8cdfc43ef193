using TcpState.Analysis.Connections;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Records;

/// <summary>
/// Connection ids in Zeek's shape ("C" and 17 base62 characters), but derived from the connection itself — its
/// 4-tuple, who opened it and its first packet's time — instead of drawn at random, so reading the same traffic
/// twice (or live and then from the saved file) gives the same ids.
/// </summary>
public static class ConnectionUid
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    internal static string For(in ConnectionKey key, Side originator, PacketTime firstSeen) =>
        For(key.Address(originator), key.Port(originator), key.Address(originator.Other()), key.Port(originator.Other()), firstSeen);

    /// <summary>Characters in a uid.</summary>
    public const int Length = 18;

    public static string For(IpAddress origAddress, ushort origPort, IpAddress respAddress, ushort respPort, PacketTime firstSeen)
    {
        Span<char> text = stackalloc char[Length];
        Write(origAddress, origPort, respAddress, respPort, firstSeen, text);
        return new string(text);
    }

    /// <summary>Writes the uid <see cref="For(IpAddress, ushort, IpAddress, ushort, PacketTime)"/> returns into <paramref name="text"/> (<see cref="Length"/> characters).</summary>
    public static void Write(IpAddress origAddress, ushort origPort, IpAddress respAddress, ushort respPort, PacketTime firstSeen, Span<char> text) =>
        Write(Key(origAddress, origPort, respAddress, respPort, firstSeen), text);

    /// <summary>
    /// The 64 bits a uid is made of. Its eleven letters after the "C" spell them in base 62 (62^11 exceeds 2^64, so no
    /// two keys share them) and the last six follow from them: two uids are equal exactly when their keys are.
    /// </summary>
    public static ulong Key(IpAddress origAddress, ushort origPort, IpAddress respAddress, ushort respPort, PacketTime firstSeen)
    {
        ulong h1 = Mix(0x243F6A8885A308D3UL ^ origAddress.High);
        h1 = Mix(h1 ^ origAddress.Low);
        h1 = Mix(h1 ^ respAddress.High);
        h1 = Mix(h1 ^ respAddress.Low);
        h1 = Mix(h1 ^ ((ulong)origPort << 16 | respPort));
        return Mix(h1 ^ (ulong)firstSeen.UnixNanoseconds);
    }

    /// <summary>Reads a uid's <see cref="Key"/> back; false for a string that is not a uid this class writes.</summary>
    public static bool TryKey(string uid, out ulong key)
    {
        key = 0;
        if (uid.Length != Length || uid[0] != 'C')
            return false;
        UInt128 value = 0;
        for (int i = 1; i < 12; i++)
        {
            int digit = Alphabet.IndexOf(uid[i]);
            if (digit < 0)
                return false;
            value = value * 62 + (uint)digit;
        }
        if (value > ulong.MaxValue)
            return false;
        key = (ulong)value;
        Span<char> text = stackalloc char[Length];
        Write(key, text);
        return text.SequenceEqual(uid);
    }

    private static void Write(ulong key, Span<char> text)
    {
        ulong h2 = Mix(key ^ 0x13198A2E03707344UL);
        text[0] = 'C';
        Encode(key, text.Slice(1, 11));
        Encode(h2 & 0xFFFF_FFFF, text.Slice(12, 6));
    }

    private static void Encode(ulong value, Span<char> destination)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
    }

    /// <summary>The splitmix64 finaliser: a cheap, well-spread 64-bit mix.</summary>
    private static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
