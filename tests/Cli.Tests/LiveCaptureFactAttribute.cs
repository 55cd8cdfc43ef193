namespace TcpState.Cli.Tests;

/// <summary>
/// A test that runs a live capture (or drops privileges to show what happens without them). It needs root; CI runs the
/// suite as root, where these always run. Skipped, saying why, for an unprivileged developer run.
/// </summary>
public sealed class LiveCaptureFactAttribute : FactAttribute
{
    public LiveCaptureFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
            Skip = "live capture needs root (CAP_NET_RAW); CI runs the suite as root";
    }
}
