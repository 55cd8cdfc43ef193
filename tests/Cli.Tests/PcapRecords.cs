using System.Buffers.Binary;

namespace TcpState.Cli.Tests;

/// <summary>
/// Walks a little-endian classic pcap (what tcpstate writes) record by record, independently of tcpstate's reader, and
/// fails the test unless the file ends exactly where a record ends: every record complete.
/// </summary>
internal static class PcapRecords
{
    public static long CountWhole(string path) => CountWhole(File.ReadAllBytes(path));

    public static long CountWhole(ReadOnlySpan<byte> file)
    {
        Assert.True(file.Length >= 24, $"{file.Length} bytes: shorter than a pcap file header");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        Assert.True(magic is 0xA1B2C3D4 or 0xA1B23C4D, $"magic 0x{magic:X8}");
        long records = 0;
        int offset = 24;
        while (offset < file.Length)
        {
            Assert.True(file.Length - offset >= 16, $"record {records + 1}: header cut short at byte {offset} of {file.Length}");
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 8)..]);
            Assert.True(file.Length - offset - 16 >= captured,
                $"record {records + 1}: {captured} bytes of data, {file.Length - offset - 16} left in the file");
            offset += 16 + captured;
            records++;
        }
        return records;
    }
}
