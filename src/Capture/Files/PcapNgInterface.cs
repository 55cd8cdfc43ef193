namespace TcpState.Capture.Files;

/// <summary>What a pcapng Interface Description Block says that frames on that interface need.</summary>
internal readonly struct PcapNgInterface
{
    public PcapNgInterface(LinkType linkType, uint snapshotLength, PcapNgTimestampResolution resolution, long offsetSeconds)
    {
        LinkType = linkType;
        SnapshotLength = snapshotLength;
        Resolution = resolution;
        OffsetNanoseconds = unchecked(offsetSeconds * PacketTime.NanosecondsPerSecond);
    }

    public LinkType LinkType { get; }

    /// <summary>0 means no limit (pcapng section 4.2).</summary>
    public uint SnapshotLength { get; }

    public PcapNgTimestampResolution Resolution { get; }

    /// <summary><c>if_tsoffset</c>: whole seconds to add to every timestamp, for interfaces that count from another epoch.</summary>
    public long OffsetNanoseconds { get; }

    public PacketTime ToPacketTime(ulong units) =>
        new(unchecked(Resolution.ToNanoseconds(units) + OffsetNanoseconds));
}
