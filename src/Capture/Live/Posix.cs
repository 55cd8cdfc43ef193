using System.Runtime.InteropServices;

namespace TcpState.Capture.Live;

/// <summary>The one libc call live capture needs beyond libpcap: waiting on the capture's descriptor with a timeout.</summary>
internal static unsafe partial class Posix
{
    private const short PollIn = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollDescriptor* descriptors, nuint count, int timeoutMilliseconds);

    /// <summary>
    /// Waits until <paramref name="descriptor"/> is readable or <paramref name="timeoutMilliseconds"/> pass. Returns
    /// true if readable; false on timeout, and on a signal's interruption (EINTR), which callers treat as a timeout.
    /// </summary>
    public static bool WaitReadable(int descriptor, int timeoutMilliseconds)
    {
        var wait = new PollDescriptor { Descriptor = descriptor, Events = PollIn };
        return poll(&wait, 1, timeoutMilliseconds) > 0;
    }
}
