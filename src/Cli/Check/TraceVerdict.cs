using TcpState.Analysis.Anomalies;

namespace TcpState.Cli.Check;

public enum RuleStatus
{
    Pass,
    Warn,
    Fail,
    Ignored,
}

/// <summary>How one rule judged one trace, and the anomalies behind the judgement.</summary>
public sealed record RuleOutcome(Rule Rule, RuleStatus Status, IReadOnlyList<Anomaly> Anomalies);

/// <summary>One trace's result: every rule's outcome, or the error that stopped it from being read.</summary>
public sealed record TraceVerdict(string Trace, IReadOnlyList<RuleOutcome> Rules, string? Error, double Seconds, long Frames, long Connections)
{
    public bool Failed => Rules.Any(r => r.Status == RuleStatus.Fail);

    public bool HasError => Error is not null;

    public int Count(RuleStatus status) => Rules.Count(r => r.Status == status);
}
