using Serilog;
using Serilog.Events;

namespace TcpState.Cli;

/// <summary>
/// Messages for people go to stderr, one line each, prefixed "tcpstate:"; stdout carries only results.
/// Serilog does the writing so that --verbose can add detail without touching call sites.
/// </summary>
internal static class Diagnostics
{
    public static void Configure(bool verbose)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            .WriteTo.Console(
                outputTemplate: "tcpstate: {Message:l}{NewLine}",
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
    }

    public static void Error(string message) => Log.Error("{Text:l}", message);

    public static void Info(string message) => Log.Information("{Text:l}", message);

    public static void Warning(string message) => Log.Warning("{Text:l}", message);

    public static void Detail(string message) => Log.Debug("{Text:l}", message);
}
