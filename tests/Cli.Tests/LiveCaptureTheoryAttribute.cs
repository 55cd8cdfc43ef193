namespace TcpState.Cli.Tests;

/// <summary>A <see cref="LiveCaptureFactAttribute"/> with data: needs root, skipped saying why without it.</summary>
public sealed class LiveCaptureTheoryAttribute : TheoryAttribute
{
    public LiveCaptureTheoryAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
            Skip = "live capture needs root (CAP_NET_RAW); CI runs the suite as root";
    }
}
