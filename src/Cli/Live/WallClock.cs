using TcpState.Capture;

namespace TcpState.Cli.Live;

/// <summary>
/// The system's real-time clock as a <see cref="PacketTime"/>. The kernel stamps captured packets from the same clock
/// (CLOCK_REALTIME), which is what lets idle ticks and packet times drive one packet clock.
/// </summary>
internal static class WallClock
{
    public static PacketTime Now() => new((DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100);
}
