namespace TcpState.Capture.Tests.Live;

/// <summary>
/// A test that opens a live capture on loopback. It needs CAP_NET_RAW; CI runs as root, where these always run.
/// Skipped, saying why, for an unprivileged developer run.
/// </summary>
public sealed class LiveCaptureFactAttribute : FactAttribute
{
    public LiveCaptureFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
            Skip = "live capture needs root (CAP_NET_RAW); CI runs the suite as root";
    }
}
