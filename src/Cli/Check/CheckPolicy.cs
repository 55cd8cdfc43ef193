using TcpState.Analysis;
using TcpState.Analysis.Anomalies;

namespace TcpState.Cli.Check;

/// <summary>What a rule does when its anomaly is found more often than allowed.</summary>
public enum RuleLevel
{
    /// <summary>The trace fails (exit code 1).</summary>
    Fail,
    /// <summary>Reported, but the trace still passes.</summary>
    Warn,
    /// <summary>Not judged at all.</summary>
    Ignore,
}

/// <summary>One rule: for one anomaly id, the level and how many occurrences are tolerated.</summary>
public sealed record Rule(string AnomalyId, RuleLevel Level, int Max);

/// <summary>
/// How <c>tcpstate check</c> judges a trace: a rule per anomaly id, the detector thresholds, and the analysis timers.
/// The built-in policy fails on critical and high-severity anomalies and warns on the rest.
/// </summary>
public sealed class CheckPolicy
{
    public required string Source { get; init; }
    public required IReadOnlyDictionary<string, Rule> Rules { get; init; }
    public DetectorSettings Detectors { get; init; } = new();
    public AnalysisOptions Analysis { get; init; } = new();
    public bool IgnoreChecksums { get; init; }

    public static RuleLevel DefaultLevel(AnomalySeverity severity) =>
        severity >= AnomalySeverity.High ? RuleLevel.Fail : RuleLevel.Warn;

    public static CheckPolicy BuiltIn { get; } = new()
    {
        Source = "built-in",
        Rules = AnomalyCatalogue.All.ToDictionary(k => k.Id, k => new Rule(k.Id, DefaultLevel(k.Severity), 0)),
    };

    /// <summary>The same policy with some rules replaced (command-line overrides).</summary>
    public CheckPolicy With(IEnumerable<Rule> overrides)
    {
        var rules = new Dictionary<string, Rule>(Rules);
        foreach (var rule in overrides)
            rules[rule.AnomalyId] = rule;
        return Copy(Source, rules);
    }

    public CheckPolicy WithSource(string source) => Copy(source, Rules);

    private CheckPolicy Copy(string source, IReadOnlyDictionary<string, Rule> rules) => new()
    {
        Source = source,
        Rules = rules,
        Detectors = Detectors,
        Analysis = Analysis,
        IgnoreChecksums = IgnoreChecksums,
    };
}
