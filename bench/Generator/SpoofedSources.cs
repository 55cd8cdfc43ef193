using TcpState.Capture.Decoding;

namespace TcpState.Bench.Generator;

/// <summary>
/// Distinct IPv4 source addresses, as a flood tool with random sources produces them, but walked deterministically:
/// address i is (i + offset) times an odd constant, modulo 2^32, which visits every 32-bit value exactly once. Addresses
/// no router would carry (0/8, 10/8, 100.64/10 where the real clients live, 127/8, 224/4 and above) are skipped.
/// </summary>
public sealed class SpoofedSources(ulong seed)
{
    private const uint Multiplier = 0x9E37_79B1; // odd, so multiplication is a permutation of the 32-bit values
    private readonly uint _offset = (uint)(seed * 0x2545_F491_4F6C_DD1DUL >> 32);
    private ulong _index;

    public IpAddress Next()
    {
        // Fewer than 20% of addresses are skipped, so this ends within a few steps; the bound is the whole space.
        while (_index < 1UL << 32)
        {
            uint address = unchecked(((uint)_index + _offset) * Multiplier);
            _index++;
            if (IsRoutableElsewhere(address))
                return IpAddress.FromIpv4(address);
        }
        throw new InvalidOperationException("all 2^32 IPv4 source addresses have been used");
    }

    private static bool IsRoutableElsewhere(uint address)
    {
        uint first = address >> 24;
        if (first is 0 or 10 or 127 || first >= 224)
            return false;
        return (address & 0xFFC0_0000) != 0x6440_0000; // 100.64.0.0/10
    }
}
