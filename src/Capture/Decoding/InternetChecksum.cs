using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TcpState.Capture.Decoding.Ip;

namespace TcpState.Capture.Decoding;

/// <summary>
/// The Internet checksum (RFC 1071): the one's-complement sum of 16-bit big-endian words. It runs on every TCP
/// segment, so the data is summed a vector at a time into wide lanes and folded once at the end.
/// </summary>
/// <remarks>
/// Two properties of the one's-complement sum make that possible (RFC 1071 §2). It does not depend on byte order:
/// summing the words as the machine reads them and swapping the folded result gives the big-endian sum. And it can be
/// accumulated in wider words, because folding the carries back in at the end gives the same 16-bit value.
/// Partial sums from this class are plain <c>ulong</c>s and can be added together before <see cref="Fold"/>.
/// </remarks>
public static class InternetChecksum
{
    /// <summary>The sum of <paramref name="data"/> as big-endian 16-bit words, an odd last byte padded with zero, folded to 16 bits.</summary>
    public static ushort Sum(ReadOnlySpan<byte> data)
    {
        ulong nativeSum = SumNativeWords(data);
        ushort folded = Fold(nativeSum);
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(folded) : folded;
    }

    /// <summary>
    /// The sum of the TCP/UDP pseudo-header for the given addresses: IPv4 (RFC 9293 §3.1) or IPv6 (RFC 8200 §8.1),
    /// with <paramref name="upperLayerLength"/> the transport header plus payload.
    /// </summary>
    public static ulong PseudoHeaderSum(IpAddress source, IpAddress destination, byte protocol, int upperLayerLength)
    {
        // IpAddress holds the address bytes as big-endian integers, so their 32-bit halves are big-endian word pairs.
        ulong sum = source.IsIpv4
            ? (ulong)source.Ipv4Value + destination.Ipv4Value
            : SumHalves(source.High) + SumHalves(source.Low) + SumHalves(destination.High) + SumHalves(destination.Low);
        return sum + protocol + (uint)upperLayerLength;
    }

    /// <summary>Folds a wide sum to 16 bits, adding the carries back in (end-around carry).</summary>
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>True when a sum that includes the transmitted checksum field folds to all ones, as a correct one does.</summary>
    public static bool IsValid(ulong sumIncludingChecksum) => Fold(sumIncludingChecksum) == 0xFFFF;

    /// <summary>
    /// The value to write into a checksum field: the complement of the folded sum of the pseudo-header and the
    /// segment with its checksum field zeroed.
    /// </summary>
    public static ushort Complement(ulong sum) => (ushort)~Fold(sum);

    /// <summary>The TCP checksum to put in a segment whose checksum field is zero (used to build test and benchmark frames).</summary>
    public static ushort TcpChecksum(IpAddress source, IpAddress destination, ReadOnlySpan<byte> tcpSegment) =>
        Complement(PseudoHeaderSum(source, destination, IpProtocol.Tcp, tcpSegment.Length) + Sum(tcpSegment));

    private static ulong SumHalves(ulong value) => (value >> 32) + (value & 0xFFFF_FFFF);

    /// <summary>Whole 32-byte blocks a run of <see cref="SumWordsAvx2"/> adds up in 32-bit lanes before widening them.</summary>
    private const int BlocksPerRun = 1 << 14;

    /// <summary>
    /// The native 16-bit words of the data's whole 32-byte blocks, summed. AVX2's multiply-add of adjacent words
    /// (vpmaddwd) against ones adds each pair of words into a 32-bit lane in one instruction, where widening took two
    /// and an add per 16 bytes; but it reads the words as signed. Flipping each word's top bit first makes word w the
    /// signed w - 32768, so the pair sums are exact, and 32768 per word is added back at the end. A lane takes at most
    /// 65,536 in size per block, so a run of <see cref="BlocksPerRun"/> blocks (512 KB, more than any frame) cannot
    /// overflow it.
    /// </summary>
    private static ulong SumWordsAvx2(ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int blocks = data.Length / Vector256<byte>.Count;
        var topBit = Vector256.Create(unchecked((short)0x8000));
        var ones = Vector256.Create((short)1);
        long sum = 0;
        for (int block = 0; block < blocks; )
        {
            int end = Math.Min(blocks, block + BlocksPerRun);
            var lanesA = Vector256<int>.Zero;
            var lanesB = Vector256<int>.Zero;
            for (; block + 1 < end; block += 2)
            {
                var first = Vector256.LoadUnsafe(ref start, (nuint)block * 32).AsInt16();
                var second = Vector256.LoadUnsafe(ref start, (nuint)block * 32 + 32).AsInt16();
                lanesA += Avx2.MultiplyAddAdjacent(first ^ topBit, ones);
                lanesB += Avx2.MultiplyAddAdjacent(second ^ topBit, ones);
            }
            if (block < end)
            {
                lanesA += Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref start, (nuint)block * 32).AsInt16() ^ topBit, ones);
                block++;
            }
            var (lower, upper) = Vector256.Widen(lanesA + lanesB);
            sum += Vector256.Sum(lower) + Vector256.Sum(upper);
        }
        return (ulong)(sum + 32768L * (Vector256<byte>.Count / 2) * blocks);
    }

    /// <summary>Sums the data as the machine's native 16-bit words, unfolded.</summary>
    private static ulong SumNativeWords(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        int position = 0;

        if (Avx2.IsSupported && data.Length >= Vector256<byte>.Count * 2)
        {
            sum = SumWordsAvx2(data);
            position = data.Length - data.Length % Vector256<byte>.Count;
        }
        // Elsewhere (Arm's 128-bit vectors; 256-bit vectors are accelerated only where AVX2 is) each 32-bit word is
        // widened into a 64-bit lane, so lanes cannot overflow for any frame (2^32 words).
        else if (Vector128.IsHardwareAccelerated && data.Length >= Vector128<byte>.Count * 2)
        {
            var lanesA = Vector128<ulong>.Zero;
            var lanesB = Vector128<ulong>.Zero;
            foreach (var block in MemoryMarshal.Cast<byte, Vector128<uint>>(data))
            {
                var (lower, upper) = Vector128.Widen(block);
                lanesA += lower;
                lanesB += upper;
            }
            sum = Vector128.Sum(lanesA) + Vector128.Sum(lanesB);
            position = data.Length - data.Length % Vector128<byte>.Count;
        }

        var rest = data[position..];
        foreach (ulong word in MemoryMarshal.Cast<byte, ulong>(rest))
            sum += (word >> 32) + (word & 0xFFFF_FFFF);
        rest = rest[(rest.Length & ~7)..];

        if (rest.Length >= 4)
        {
            sum += MemoryMarshal.Read<uint>(rest);
            rest = rest[4..];
        }
        if (rest.Length >= 2)
        {
            sum += MemoryMarshal.Read<ushort>(rest);
            rest = rest[2..];
        }
        if (rest.Length == 1)
        {
            // The odd byte is the high half of a big-endian word whose low half is zero.
            sum += BitConverter.IsLittleEndian ? rest[0] : (ulong)rest[0] << 8;
        }
        return sum;
    }
}
