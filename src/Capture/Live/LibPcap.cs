using System.Runtime.InteropServices;

namespace TcpState.Capture.Live;

/// <summary>
/// The libpcap entry points tcpstate uses, bound to Debian's <c>libpcap.so.0.8</c> (package libpcap0.8; the ABI name
/// has stayed 0.8 while the library moved on to 1.x). Declarations, constants and struct layouts only; the classes
/// beside this one turn them into safe handles and one-line errors.
/// </summary>
/// <remarks>
/// Strings libpcap returns (<c>pcap_geterr</c>, <c>pcap_lib_version</c>, <c>pcap_statustostr</c>) belong to libpcap,
/// so those functions return <c>byte*</c> and are read with <see cref="Text"/>: a <c>string</c> return would make the
/// marshaller free libpcap's memory. Layouts are those of 64-bit and 32-bit Linux: C <c>long</c> is pointer-sized.
/// </remarks>
internal static unsafe partial class LibPcap
{
    public const string LibraryName = "libpcap.so.0.8";

    /// <summary>PCAP_ERRBUF_SIZE.</summary>
    public const int ErrorBufferSize = 256;

    // pcap_activate and friends: negative values are errors, positive values warnings (pcap/pcap.h).
    public const int Error = -1;
    public const int ErrorBreak = -2;
    public const int ErrorNotActivated = -3;
    public const int ErrorActivated = -4;
    public const int ErrorNoSuchDevice = -5;
    public const int ErrorRfmonNotSupported = -6;
    public const int ErrorNotRfmon = -7;
    public const int ErrorPermissionDenied = -8;
    public const int ErrorInterfaceNotUp = -9;
    public const int ErrorCannotSetTimestampType = -10;
    public const int ErrorPromiscuousPermissionDenied = -11;
    public const int ErrorTimestampPrecisionNotSupported = -12;
    public const int Warning = 1;
    public const int WarningPromiscuousNotSupported = 2;
    public const int WarningTimestampTypeNotSupported = 3;

    public const int TimestampPrecisionMicro = 0;
    public const int TimestampPrecisionNano = 1;

    /// <summary>PCAP_NETMASK_UNKNOWN: only "ip broadcast" filters need the real netmask.</summary>
    public const uint NetmaskUnknown = 0xFFFF_FFFF;

    /// <summary>struct pcap_pkthdr: a struct timeval (two C longs; the fraction is ns with nanosecond precision), caplen, len.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PacketHeader
    {
        public nint Seconds;
        public nint Fraction;
        public uint CapturedLength;
        public uint Length;
    }

    /// <summary>struct bpf_program.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BpfProgramStruct
    {
        public uint InstructionCount;
        public void* Instructions;
    }

    /// <summary>struct pcap_stat as Unix libpcap defines it (Windows adds a fourth field).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public uint Received;
        public uint Dropped;
        public uint InterfaceDropped;
    }

    /// <summary>struct pcap_if.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Interface
    {
        public Interface* Next;
        public byte* Name;
        public byte* Description;
        public Address* Addresses;
        public uint Flags;
    }

    /// <summary>struct pcap_addr: each pointer a struct sockaddr (or null).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Address
    {
        public Address* Next;
        public byte* Addr;
        public byte* Netmask;
        public byte* BroadcastAddr;
        public byte* DestinationAddr;
    }

    [LibraryImport(LibraryName)]
    public static partial byte* pcap_lib_version();

    [LibraryImport(LibraryName)]
    public static partial int pcap_findalldevs(Interface** devices, byte* errorBuffer);

    [LibraryImport(LibraryName)]
    public static partial void pcap_freealldevs(Interface* devices);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial PcapHandle pcap_create(string source, byte* errorBuffer);

    [LibraryImport(LibraryName)]
    public static partial PcapHandle pcap_open_dead(int linkType, int snapshotLength);

    [LibraryImport(LibraryName)]
    public static partial int pcap_set_snaplen(PcapHandle handle, int snapshotLength);

    [LibraryImport(LibraryName)]
    public static partial int pcap_set_promisc(PcapHandle handle, int promiscuous);

    [LibraryImport(LibraryName)]
    public static partial int pcap_set_timeout(PcapHandle handle, int milliseconds);

    [LibraryImport(LibraryName)]
    public static partial int pcap_set_immediate_mode(PcapHandle handle, int immediate);

    [LibraryImport(LibraryName)]
    public static partial int pcap_set_buffer_size(PcapHandle handle, int bytes);

    /// <summary>libpcap 1.5 and later; older ones lack the symbol (EntryPointNotFoundException).</summary>
    [LibraryImport(LibraryName)]
    public static partial int pcap_set_tstamp_precision(PcapHandle handle, int precision);

    [LibraryImport(LibraryName)]
    public static partial int pcap_get_tstamp_precision(PcapHandle handle);

    [LibraryImport(LibraryName)]
    public static partial int pcap_activate(PcapHandle handle);

    [LibraryImport(LibraryName)]
    public static partial int pcap_datalink(PcapHandle handle);

    [LibraryImport(LibraryName)]
    public static partial int pcap_snapshot(PcapHandle handle);

    [LibraryImport(LibraryName)]
    public static partial byte* pcap_geterr(PcapHandle handle);

    [LibraryImport(LibraryName)]
    public static partial byte* pcap_statustostr(int status);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int pcap_lookupnet(string device, uint* network, uint* netmask, byte* errorBuffer);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int pcap_compile(PcapHandle handle, BpfProgramStruct* program, string expression, int optimize, uint netmask);

    [LibraryImport(LibraryName)]
    public static partial int pcap_setfilter(PcapHandle handle, BpfProgramStruct* program);

    [LibraryImport(LibraryName)]
    public static partial void pcap_freecode(BpfProgramStruct* program);

    [LibraryImport(LibraryName)]
    public static partial int pcap_offline_filter(BpfProgramStruct* program, PacketHeader* header, byte* packet);

    /// <summary>
    /// Takes the raw pcap_t: it runs once per packet, and a SafeHandle parameter would cost two interlocked operations
    /// per call. <see cref="LivePacketSource"/> holds a reference on the handle for as long as it reads. The handle is
    /// non-blocking (at most a poll with a zero timeout inside), so the call may skip the GC transition, which is a
    /// good part of its cost.
    /// </summary>
    [LibraryImport(LibraryName)]
    [SuppressGCTransition]
    public static partial int pcap_next_ex(nint handle, PacketHeader** header, byte** data);

    [LibraryImport(LibraryName)]
    public static partial int pcap_setnonblock(PcapHandle handle, int nonBlocking, byte* errorBuffer);

    [LibraryImport(LibraryName)]
    public static partial int pcap_get_selectable_fd(PcapHandle handle);

    [LibraryImport(LibraryName)]
    public static partial int pcap_stats(PcapHandle handle, Stat* statistics);

    [LibraryImport(LibraryName)]
    public static partial void pcap_breakloop(PcapHandle handle);

    [LibraryImport(LibraryName)]
    public static partial void pcap_close(nint handle);

    /// <summary>A NUL-terminated string owned by libpcap, or "" for null.</summary>
    public static string Text(byte* text) => text is null ? "" : Marshal.PtrToStringUTF8((nint)text) ?? "";

    /// <summary>The handle's last error text ("socket: Operation not permitted").</summary>
    public static string LastError(PcapHandle handle) => Text(pcap_geterr(handle));

    /// <summary>What a status code means in libpcap's words.</summary>
    public static string StatusText(int status) => Text(pcap_statustostr(status));

    /// <summary>
    /// Loads libpcap, or throws <see cref="CaptureException"/> (<see cref="CaptureError.LibraryMissing"/>) saying which
    /// package to install. Every entry point into the binding calls this first, so a missing library is one clear
    /// message rather than a <see cref="DllNotFoundException"/> from somewhere inside.
    /// </summary>
    public static string EnsureLoaded()
    {
        try
        {
            return Text(pcap_lib_version());
        }
        catch (DllNotFoundException e)
        {
            throw new CaptureException(CaptureError.LibraryMissing,
                $"libpcap ({LibraryName}) could not be loaded: install libpcap0.8 (apt-get install libpcap0.8)", e.Message);
        }
    }
}
