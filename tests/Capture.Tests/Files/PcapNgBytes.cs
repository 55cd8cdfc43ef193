using System.Buffers.Binary;

namespace TcpState.Capture.Tests.Files;

/// <summary>
/// Builds pcapng files block by block. Each section has its own byte order, set by <see cref="Section"/>;
/// lengths and padding are computed unless a test overrides them to build a broken block.
/// </summary>
internal sealed class PcapNgBytes
{
    private readonly MemoryStream _bytes = new();
    private bool _bigEndian;

    public long Length => _bytes.Length;

    public PcapNgBytes Section(bool bigEndian = false, ushort major = 1, ushort minor = 0, byte[]? options = null)
    {
        _bigEndian = bigEndian;
        var body = new List<byte>();
        body.AddRange(U32(0x1A2B3C4D));
        body.AddRange(U16(major));
        body.AddRange(U16(minor));
        body.AddRange(U64(ulong.MaxValue)); // section length unknown
        if (options is not null) body.AddRange(options);
        return Block(0x0A0D0D0A, body.ToArray());
    }

    /// <summary>An IDB; <paramref name="tsresol"/> and <paramref name="tsoffset"/> become options when given.</summary>
    public PcapNgBytes Interface(ushort linkType, uint snapshotLength = 0, byte? tsresol = null, long? tsoffset = null,
        bool withComment = false)
    {
        var body = new List<byte>();
        body.AddRange(U16(linkType));
        body.AddRange(U16(0));
        body.AddRange(U32(snapshotLength));
        if (withComment) body.AddRange(Option(1, "an interface comment"u8.ToArray()));
        if (tsresol is { } r) body.AddRange(Option(9, [r]));
        if (tsoffset is { } o) body.AddRange(Option(14, U64((ulong)o)));
        if (tsresol is not null || tsoffset is not null || withComment) body.AddRange(Option(0, []));
        return Block(1, body.ToArray());
    }

    public PcapNgBytes Enhanced(uint interfaceId, ulong timestamp, byte[] data, uint? originalLength = null,
        uint? capturedLength = null)
    {
        var body = new List<byte>();
        body.AddRange(U32(interfaceId));
        body.AddRange(U32((uint)(timestamp >> 32)));
        body.AddRange(U32((uint)timestamp));
        body.AddRange(U32(capturedLength ?? (uint)data.Length));
        body.AddRange(U32(originalLength ?? (uint)data.Length));
        body.AddRange(Padded(data));
        return Block(6, body.ToArray());
    }

    public PcapNgBytes Simple(byte[] data, uint originalLength)
    {
        var body = new List<byte>();
        body.AddRange(U32(originalLength));
        body.AddRange(Padded(data));
        return Block(3, body.ToArray());
    }

    /// <summary>The obsolete Packet Block (type 2): 16-bit interface id and drop count.</summary>
    public PcapNgBytes Obsolete(ushort interfaceId, ulong timestamp, byte[] data, uint? originalLength = null)
    {
        var body = new List<byte>();
        body.AddRange(U16(interfaceId));
        body.AddRange(U16(7)); // drops count
        body.AddRange(U32((uint)(timestamp >> 32)));
        body.AddRange(U32((uint)timestamp));
        body.AddRange(U32((uint)data.Length));
        body.AddRange(U32(originalLength ?? (uint)data.Length));
        body.AddRange(Padded(data));
        return Block(2, body.ToArray());
    }

    /// <summary>Any block; <paramref name="totalLength"/> and <paramref name="trailingLength"/> override the computed length.</summary>
    public PcapNgBytes Block(uint type, byte[] body, uint? totalLength = null, uint? trailingLength = null)
    {
        uint length = (uint)(12 + body.Length);
        _bytes.Write(U32(type));
        _bytes.Write(U32(totalLength ?? length));
        _bytes.Write(body);
        _bytes.Write(U32(trailingLength ?? totalLength ?? length));
        return this;
    }

    public PcapNgBytes Raw(byte[] bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    private byte[] Option(ushort code, byte[] value)
    {
        var option = new List<byte>();
        option.AddRange(U16(code));
        option.AddRange(U16((ushort)value.Length));
        option.AddRange(Padded(value));
        return option.ToArray();
    }

    private static byte[] Padded(byte[] data)
    {
        var padded = new byte[(data.Length + 3) & ~3];
        data.CopyTo(padded, 0);
        return padded;
    }

    private byte[] U16(ushort value)
    {
        var b = new byte[2];
        if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, value);
        else BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        return b;
    }

    private byte[] U32(uint value)
    {
        var b = new byte[4];
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, value);
        else BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return b;
    }

    private byte[] U64(ulong value)
    {
        var b = new byte[8];
        if (_bigEndian) BinaryPrimitives.WriteUInt64BigEndian(b, value);
        else BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return b;
    }
}
