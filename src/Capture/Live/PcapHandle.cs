using System.Runtime.InteropServices;

namespace TcpState.Capture.Live;

/// <summary>
/// A libpcap <c>pcap_t</c>, closed exactly once (<c>pcap_close</c>) when the last user lets go: the capture loop holds
/// it while reading, and a signal handler that calls <c>pcap_breakloop</c> holds it for that call, so stopping a capture
/// can never touch a handle already closed.
/// </summary>
public sealed class PcapHandle : SafeHandle
{
    public PcapHandle() : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        LibPcap.pcap_close(handle);
        return true;
    }
}
