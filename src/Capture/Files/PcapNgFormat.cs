namespace TcpState.Capture.Files;

/// <summary>
/// pcapng layout (draft-ietf-opsawg-pcapng): blocks of type, total length, body, and the total length again.
/// Every multi-byte field is in the byte order of the section, which the section header's magic decides.
/// </summary>
internal static class PcapNgFormat
{
    // Block types (section 4 and the block type registry).
    public const uint SectionHeaderBlock = 0x0A0D0D0A;
    public const uint InterfaceDescriptionBlock = 1;
    /// <summary>Obsolete since pcapng 1.0 but still written by old tools; same fields as EPB with a 16-bit interface id.</summary>
    public const uint PacketBlock = 2;
    public const uint SimplePacketBlock = 3;
    public const uint EnhancedPacketBlock = 6;

    /// <summary>Read in the section's byte order it is 0x1A2B3C4D; read the other way, 0x4D3C2B1A.</summary>
    public const uint ByteOrderMagic = 0x1A2B3C4D;
    public const ushort MajorVersion = 1;

    /// <summary>Block type, block total length, and the trailing copy of the total length.</summary>
    public const int BlockOverhead = 12;
    public const int BlockHeaderLength = 8;
    public const int BodyOffset = 8;

    // Smallest legal total lengths: overhead plus the fixed part of the body.
    public const int MinSectionHeaderLength = BlockOverhead + 16;   // magic, major, minor, section length
    public const int MinInterfaceDescriptionLength = BlockOverhead + 8; // link type, reserved, snaplen
    public const int MinEnhancedPacketLength = BlockOverhead + 20;  // interface, ts high, ts low, caplen, origlen
    public const int MinPacketBlockLength = BlockOverhead + 20;     // interface(16), drops(16), ts high, ts low, caplen, origlen
    public const int MinSimplePacketLength = BlockOverhead + 4;     // origlen

    // Section header body offsets (from the block start).
    public const int ByteOrderMagicOffset = 8;
    public const int MajorVersionOffset = 12;
    public const int MinorVersionOffset = 14;

    // Interface description body offsets.
    public const int LinkTypeOffset = 8;
    public const int SnapshotLengthOffset = 12;
    public const int InterfaceOptionsOffset = 16;

    // Enhanced packet block body offsets.
    public const int EpbInterfaceIdOffset = 8;
    public const int EpbTimestampHighOffset = 12;
    public const int EpbTimestampLowOffset = 16;
    public const int EpbCapturedLengthOffset = 20;
    public const int EpbOriginalLengthOffset = 24;
    public const int EpbDataOffset = 28;

    // Obsolete packet block: same offsets as EPB, but the interface id is 16 bits followed by a 16-bit drop count.
    public const int PbInterfaceIdOffset = 8;

    // Simple packet block body offsets.
    public const int SpbOriginalLengthOffset = 8;
    public const int SpbDataOffset = 12;

    // Options: 16-bit code, 16-bit length, value padded to 32 bits; code 0 ends the list.
    public const ushort EndOfOptions = 0;
    public const ushort InterfaceTimestampResolution = 9;
    public const ushort InterfaceTimestampOffset = 14;
}
