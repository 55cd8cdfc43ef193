using System.CommandLine;
using TcpState.Analysis;
using TcpState.Capture.Decoding;

namespace TcpState.Cli.Commands;

/// <summary>The options every analysing command shares: timers, limits and checksum handling.</summary>
internal sealed class AnalysisSettings
{
    public Option<bool> IgnoreChecksums { get; } = new("--ignore-checksums", "-C")
    {
        Description = "Do not verify TCP checksums (as Zeek's -C): use segments whose checksum is wrong, e.g. from checksum offload",
    };

    public Option<double> TimeWait { get; } = new("--time-wait")
    {
        Description = "2MSL in seconds: how long TIME_WAIT lasts on packet time (Linux: 60)",
        DefaultValueFactory = _ => 60,
    };

    public Option<double> IdleTimeout { get; } = new("--idle-timeout")
    {
        Description = "Seconds without a packet after which a connection is written out as it stands",
        DefaultValueFactory = _ => 300,
    };

    public Option<int> MaxConnections { get; } = new("--max-connections")
    {
        Description = "Cap on connections tracked at once; when full, closed and half-open ones are evicted first",
        DefaultValueFactory = _ => 1_000_000,
    };

    public void AddTo(Command command)
    {
        command.Add(IgnoreChecksums);
        command.Add(TimeWait);
        command.Add(IdleTimeout);
        command.Add(MaxConnections);
    }

    public AnalysisOptions Analysis(ParseResult result)
    {
        double timeWait = result.GetValue(TimeWait), idle = result.GetValue(IdleTimeout);
        int max = result.GetValue(MaxConnections);
        if (timeWait < 0) throw new UserFacingException("--time-wait must be zero or more seconds");
        if (idle <= 0) throw new UserFacingException("--idle-timeout must be more than zero seconds");
        if (max < 1) throw new UserFacingException("--max-connections must be at least 1");
        return new AnalysisOptions { TimeWaitSeconds = timeWait, IdleTimeoutSeconds = idle, MaxConnections = max };
    }

    public DecoderOptions Decoder(ParseResult result) => new() { VerifyChecksums = !result.GetValue(IgnoreChecksums) };
}
