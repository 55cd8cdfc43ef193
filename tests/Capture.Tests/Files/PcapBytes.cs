using System.Buffers.Binary;

namespace TcpState.Capture.Tests.Files;

/// <summary>Builds classic pcap files byte by byte, in either byte order, so every field a test needs is explicit.</summary>
internal sealed class PcapBytes
{
    private readonly MemoryStream _bytes = new();
    private readonly bool _bigEndian;

    public PcapBytes(bool bigEndian = false, bool nanoseconds = false, uint linkTypeField = 1, uint snapshotLength = 65535,
        ushort major = 2, ushort minor = 4)
    {
        _bigEndian = bigEndian;
        UInt32(nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u);
        UInt16(major);
        UInt16(minor);
        UInt32(0); // thiszone
        UInt32(0); // sigfigs
        UInt32(snapshotLength);
        UInt32(linkTypeField);
    }

    public long Length => _bytes.Length;

    public PcapBytes Record(uint seconds, uint fraction, byte[] data, uint? originalLength = null) =>
        RecordHeader(seconds, fraction, (uint)data.Length, originalLength ?? (uint)data.Length).Raw(data);

    public PcapBytes RecordHeader(uint seconds, uint fraction, uint capturedLength, uint originalLength)
    {
        UInt32(seconds);
        UInt32(fraction);
        UInt32(capturedLength);
        UInt32(originalLength);
        return this;
    }

    public PcapBytes Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    private void UInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, value);
        else BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _bytes.Write(b);
    }

    private void UInt16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, value);
        else BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _bytes.Write(b);
    }
}
