namespace TcpState.Cli;

/// <summary>What tcpstate's exit status means, for scripts and CI.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A check rule failed (the `check` command).</summary>
    public const int RuleFailed = 1;
    /// <summary>Bad usage, or input that could not be read (wholly or in part: results before the damage are still written).</summary>
    public const int UsageOrInput = 2;
}

/// <summary>A problem the user can fix (a missing file, a bad option value): reported in one line, no stack trace.</summary>
public sealed class UserFacingException(string message) : Exception(message);
