namespace TcpState.Capture.Tests.Decoding;

/// <summary>
/// RFC 1071's checksum the slow, obvious way: big-endian 16-bit words added one at a time with the carry folded in.
/// Tests use it to build frames and to check the decoder's fast sum against.
/// </summary>
internal static class ReferenceChecksum
{
    public static ushort Sum(IEnumerable<byte> bytes)
    {
        uint sum = 0;
        int index = 0;
        byte high = 0;
        foreach (byte b in bytes)
        {
            if (index++ % 2 == 0)
            {
                high = b;
                continue;
            }
            sum += (uint)(high << 8 | b);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        if (index % 2 == 1)
        {
            sum += (uint)(high << 8);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)sum;
    }

    public static ushort Tcp(byte[] sourceAddress, byte[] destinationAddress, byte[] segmentWithZeroChecksum)
    {
        int length = segmentWithZeroChecksum.Length;
        IEnumerable<byte> pseudoHeader = sourceAddress.Length == 4
            ? [.. sourceAddress, .. destinationAddress, 0, 6, (byte)(length >> 8), (byte)length]
            : [.. sourceAddress, .. destinationAddress, (byte)(length >> 24), (byte)(length >> 16),
               (byte)(length >> 8), (byte)length, 0, 0, 0, 6];
        return (ushort)~Sum(pseudoHeader.Concat(segmentWithZeroChecksum));
    }
}
