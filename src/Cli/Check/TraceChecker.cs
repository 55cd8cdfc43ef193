using System.Diagnostics;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Capture.Decoding;
using TcpState.Capture.Files;

namespace TcpState.Cli.Check;

/// <summary>Analyses one trace on its own and judges its anomalies against the policy's rules.</summary>
public static class TraceChecker
{
    public static TraceVerdict Check(string trace, CheckPolicy policy, bool ignoreChecksums)
    {
        var clock = Stopwatch.StartNew();
        if (!CaptureFile.TryOpen(trace, out var source, out var error))
            return new TraceVerdict(trace, [], error, clock.Elapsed.TotalSeconds, 0, 0);

        var statistics = new ConnectionStatistics();
        var analysis = new CaptureAnalysis(policy.Analysis with { RecordTransitions = false },
            new DecoderOptions { VerifyChecksums = !(ignoreChecksums || policy.IgnoreChecksums) }, statistics, policy.Detectors);
        using (source)
            analysis.Run(source!);
        analysis.Complete();

        var anomalies = analysis.Anomalies!.BySeverity.ToList();
        var outcomes = new List<RuleOutcome>();
        foreach (var kind in AnomalyCatalogue.All)
        {
            var rule = policy.Rules[kind.Id];
            var found = anomalies.Where(a => a.Id == kind.Id).ToList();
            var status = rule.Level == RuleLevel.Ignore ? RuleStatus.Ignored
                : found.Count <= rule.Max ? RuleStatus.Pass
                : rule.Level == RuleLevel.Fail ? RuleStatus.Fail
                : RuleStatus.Warn;
            outcomes.Add(new RuleOutcome(rule, status, found));
        }
        string? problem = analysis.InputProblems.Count > 0 ? string.Join("; ", analysis.InputProblems) : null;
        return new TraceVerdict(trace, outcomes, problem, clock.Elapsed.TotalSeconds,
            analysis.Accounting.FramesRead, statistics.Connections);
    }
}
