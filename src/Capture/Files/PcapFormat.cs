namespace TcpState.Capture.Files;

/// <summary>
/// Classic pcap layout (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte header and the
/// captured bytes. The magic number says both the byte order and the timestamp unit.
/// </summary>
internal static class PcapFormat
{
    public const uint MicrosecondMagic = 0xA1B2C3D4;
    public const uint NanosecondMagic = 0xA1B23C4D;
    /// <summary>Alexey Kuznetzov's "modified" pcap: 24-byte record headers. Recognised only to name it in the error.</summary>
    public const uint ModifiedMagic = 0xA1B2CD34;

    public const int FileHeaderLength = 24;
    public const int RecordHeaderLength = 16;

    public const ushort MajorVersion = 2;
    public const ushort MinorVersion = 4;

    // File header field offsets.
    public const int MagicOffset = 0;
    public const int MajorVersionOffset = 4;
    public const int MinorVersionOffset = 6;
    public const int SnapshotLengthOffset = 16;
    public const int LinkTypeOffset = 20;

    // Record header field offsets.
    public const int SecondsOffset = 0;
    public const int FractionOffset = 4;
    public const int CapturedLengthOffset = 8;
    public const int OriginalLengthOffset = 12;

    /// <summary>
    /// The link type is the low 16 bits of its field; the upper bits carry the FCS length and flags
    /// (draft-ietf-opsawg-pcap, "LinkType and additional information"), which tell nothing a TCP analyzer needs.
    /// </summary>
    public const uint LinkTypeMask = 0xFFFF;
}
