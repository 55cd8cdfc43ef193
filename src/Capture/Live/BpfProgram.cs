using System.Runtime.InteropServices;

namespace TcpState.Capture.Live;

/// <summary>
/// A compiled BPF filter (<c>pcap_compile</c>), held in native memory so its address stays put while libpcap or the
/// kernel uses it, and freed exactly once (<c>pcap_freecode</c>). The kernel keeps its own copy after
/// <c>pcap_setfilter</c>, so a program set on a live capture can be disposed at once.
/// </summary>
public sealed unsafe class BpfProgram : SafeHandle
{
    public BpfProgram() : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    /// <summary>The filter as the user wrote it.</summary>
    public string Expression { get; private init; } = "";

    internal LibPcap.BpfProgramStruct* Pointer => (LibPcap.BpfProgramStruct*)handle;

    /// <summary>
    /// Compiles <paramref name="expression"/> for <paramref name="capture"/>'s link type. <paramref name="netmask"/>
    /// matters only to "ip broadcast".
    /// </summary>
    /// <exception cref="CaptureException"><see cref="CaptureError.BadFilter"/> with libpcap's message.</exception>
    public static BpfProgram Compile(PcapHandle capture, string expression, uint netmask = LibPcap.NetmaskUnknown)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(expression);
        var program = new BpfProgram { Expression = expression };
        var native = (LibPcap.BpfProgramStruct*)NativeMemory.AllocZeroed((nuint)sizeof(LibPcap.BpfProgramStruct));
        if (LibPcap.pcap_compile(capture, native, expression, optimize: 1, netmask) != 0)
        {
            NativeMemory.Free(native);
            string reason = LibPcap.LastError(capture);
            throw new CaptureException(CaptureError.BadFilter, $"bad filter '{expression}': {reason}", reason);
        }
        program.SetHandle((nint)native);
        return program;
    }

    /// <summary>Installs the program on a live capture (the kernel runs it from then on).</summary>
    /// <exception cref="CaptureException"><see cref="CaptureError.BadFilter"/> when libpcap refuses it.</exception>
    public void SetOn(PcapHandle capture)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (LibPcap.pcap_setfilter(capture, Pointer) != 0)
        {
            string reason = LibPcap.LastError(capture);
            throw new CaptureException(CaptureError.BadFilter, $"cannot set filter '{Expression}': {reason}", reason);
        }
    }

    protected override bool ReleaseHandle()
    {
        var native = (LibPcap.BpfProgramStruct*)handle;
        LibPcap.pcap_freecode(native);
        NativeMemory.Free(native);
        return true;
    }
}
