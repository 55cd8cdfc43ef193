using System.Runtime.InteropServices;

namespace TcpState.Capture.Live;

/// <summary>
/// Puts the calling thread — the one that reads the kernel's capture ring — in the lowest real-time priority, when the
/// process may (root, or CAP_SYS_NICE). A capture in a terminal session of its own is, with CFS autogroup (Linux's
/// default), a scheduling group of its own; under a load that saturates the CPUs it was measured left off the CPU for
/// seconds while using a fifth of a core, and the kernel dropped what overflowed even a 128 MiB ring. At SCHED_RR
/// priority 1 it runs as soon as the ring has a block for it, and sleeps in poll() otherwise, so it takes no more CPU
/// than before. Other threads (the dashboard, the runtime's compiler) keep the normal policy.
/// </summary>
public static partial class CaptureThreadPriority
{
    private const int SchedRoundRobin = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    // pid 0 is the calling thread: on Linux the scheduling policy belongs to a thread, not to the process.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setscheduler(int pid, int policy, in SchedParam parameter);

    /// <summary>Raises the calling thread; false (and nothing changed) where it is not permitted or not Linux.</summary>
    public static bool TryRaiseCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            return sched_setscheduler(0, SchedRoundRobin, new SchedParam { Priority = 1 }) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
