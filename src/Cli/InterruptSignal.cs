using System.Runtime.InteropServices;

namespace TcpState.Cli;

/// <summary>Makes SIGINT reach tcpstate even when it was started with SIGINT ignored.</summary>
/// <remarks>
/// A shell without job control starts background commands (<c>tcpstate live ... &amp;</c> in a script) with SIGINT
/// ignored, and .NET keeps an inherited "ignore" for good: it looks once, when it first sets up signal handling, and a
/// later <c>PosixSignalRegistration</c> for SIGINT then silently never fires. So <c>kill -INT</c>, which is how
/// scripts stop tcpdump, would do nothing. Like tcpdump, which installs its SIGINT handler unconditionally, tcpstate
/// restores the default disposition first thing, before anything touches the console.
/// </remarks>
internal static partial class InterruptSignal
{
    private const int SigInt = 2;
    private const nint DefaultAction = 0;

    [LibraryImport("libc")]
    private static partial nint signal(int signal, nint handler);

    public static void RestoreDefault()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
            signal(SigInt, DefaultAction);
    }
}
