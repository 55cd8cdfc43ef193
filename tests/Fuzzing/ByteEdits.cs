namespace TcpState.Fuzzing;

/// <summary>Array edits the mutators share: each returns a new array, the input is never changed in place.</summary>
internal static class ByteEdits
{
    /// <summary>Values that sit on the edges of length and flag fields.</summary>
    public static ReadOnlySpan<byte> InterestingBytes => [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0F, 0x10, 0x3F, 0x40, 0x45, 0x60, 0x7F, 0x80, 0x81, 0xFE, 0xFF];

    public static uint[] InterestingLengths(int actual) =>
    [
        0, 1, 4, 12, 16, 20, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFC,
        (uint)Math.Max(actual - 1, 0), (uint)actual + 1, (uint)actual + 4, (uint)actual * 2,
    ];

    public static byte[] Insert(byte[] bytes, int at, ReadOnlySpan<byte> inserted)
    {
        at = Math.Clamp(at, 0, bytes.Length);
        var result = new byte[bytes.Length + inserted.Length];
        bytes.AsSpan(0, at).CopyTo(result);
        inserted.CopyTo(result.AsSpan(at));
        bytes.AsSpan(at).CopyTo(result.AsSpan(at + inserted.Length));
        return result;
    }

    public static byte[] Remove(byte[] bytes, int at, int count)
    {
        at = Math.Clamp(at, 0, bytes.Length);
        count = Math.Clamp(count, 0, bytes.Length - at);
        var result = new byte[bytes.Length - count];
        bytes.AsSpan(0, at).CopyTo(result);
        bytes.AsSpan(at + count).CopyTo(result.AsSpan(at));
        return result;
    }

    public static byte[] Replace(byte[] bytes, int at, int count, ReadOnlySpan<byte> replacement) =>
        Insert(Remove(bytes, at, count), at, replacement);

    public static byte[] Random(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Generic damage, blind to structure: what a bad disk, a bad link or a bad tool does to bytes.</summary>
    public static byte[] Generic(Random random, byte[] bytes, byte[]? donor, out string kind)
    {
        int length = bytes.Length;
        switch (random.Next(10))
        {
            case 0:
                kind = "bit-flip";
                if (length == 0) return bytes;
                bytes = (byte[])bytes.Clone();
                for (int i = 1 + random.Next(8); i > 0; i--)
                    bytes[random.Next(length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1:
                kind = "byte-set";
                if (length == 0) return bytes;
                bytes = (byte[])bytes.Clone();
                bytes[random.Next(length)] = InterestingBytes[random.Next(InterestingBytes.Length)];
                return bytes;
            case 2:
            {
                kind = "byte-run";
                if (length == 0) return bytes;
                bytes = (byte[])bytes.Clone();
                int at = random.Next(length), run = Math.Min(1 + random.Next(32), length - at);
                if (random.Next(2) == 0) random.NextBytes(bytes.AsSpan(at, run));
                else bytes.AsSpan(at, run).Fill(InterestingBytes[random.Next(InterestingBytes.Length)]);
                return bytes;
            }
            case 3:
                kind = "insert-bytes";
                return Insert(bytes, random.Next(length + 1), Random(random, 1 + random.Next(64)));
            case 4:
                kind = "delete-bytes";
                return length == 0 ? bytes : Remove(bytes, random.Next(length), 1 + random.Next(Math.Min(length, 256)));
            case 5:
                kind = "truncate";
                return length == 0 ? bytes : bytes[..random.Next(length)];
            case 6:
                kind = "extend";
                return Insert(bytes, length, Random(random, 1 + random.Next(random.Next(2) == 0 ? 16 : 4096)));
            case 7:
            {
                kind = "duplicate-chunk";
                if (length == 0) return bytes;
                int at = random.Next(length), count = 1 + random.Next(Math.Min(length - at, 512));
                return Insert(bytes, random.Next(length + 1), bytes.AsSpan(at, count));
            }
            case 8:
            {
                kind = "splice";
                if (donor is null || donor.Length == 0) goto case 0;
                int keep = random.Next(length + 1), from = random.Next(donor.Length);
                var result = new byte[keep + donor.Length - from];
                bytes.AsSpan(0, keep).CopyTo(result);
                donor.AsSpan(from).CopyTo(result.AsSpan(keep));
                return result;
            }
            default:
            {
                kind = "swap-chunks";
                if (length < 4) goto case 0;
                bytes = (byte[])bytes.Clone();
                int size = 1 + random.Next(Math.Min(length / 2, 64));
                int a = random.Next(length - size + 1), b = random.Next(length - size + 1);
                var temporary = bytes.AsSpan(a, size).ToArray();
                bytes.AsSpan(b, size).CopyTo(bytes.AsSpan(a, size));
                temporary.CopyTo(bytes.AsSpan(b, size));
                return bytes;
            }
        }
    }
}
