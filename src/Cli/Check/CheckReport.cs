using System.Text;
using TcpState.Cli.Output;

namespace TcpState.Cli.Check;

/// <summary>The readable report of a check run: failures and warnings with their evidence, then the verdict.</summary>
public static class CheckReport
{
    public static string Render(IReadOnlyList<TraceVerdict> verdicts, CheckPolicy policy)
    {
        var text = new StringBuilder();
        text.AppendLine($"tcpstate check: {verdicts.Count} trace(s), policy: {policy.Source}");
        foreach (var verdict in verdicts)
        {
            text.AppendLine();
            string status = verdict.HasError ? "ERROR" : verdict.Failed ? "FAIL" : verdict.Count(RuleStatus.Warn) > 0 ? "WARN" : "PASS";
            text.AppendLine($"{status,-6}{verdict.Trace}  ({verdict.Frames:N0} frames, {verdict.Connections:N0} connections)");
            if (verdict.Error is not null)
                text.AppendLine($"      error: {verdict.Error}");
            foreach (var outcome in verdict.Rules.Where(r => r.Status is RuleStatus.Fail or RuleStatus.Warn)
                         .OrderBy(r => r.Status == RuleStatus.Fail ? 0 : 1))
            {
                var label = outcome.Status == RuleStatus.Fail ? "fail" : "warn";
                text.AppendLine($"  {label,-5} {outcome.Rule.AnomalyId}: {outcome.Anomalies.Count} found (max {outcome.Rule.Max})");
                foreach (var anomaly in outcome.Anomalies.Take(5))
                {
                    text.AppendLine($"        {anomaly.Subject}");
                    foreach (var line in SummaryText.Wrap(anomaly.Message, 96))
                        text.AppendLine($"          {line}");
                    if (anomaly.Evidence.Count > 0)
                        text.AppendLine($"          evidence: {string.Join(", ", anomaly.Evidence.Take(5))}" +
                                        (anomaly.Evidence.Count + anomaly.EvidenceOmitted > 5 ? $" (+{anomaly.Evidence.Count + anomaly.EvidenceOmitted - 5} more)" : ""));
                }
                if (outcome.Anomalies.Count > 5)
                    text.AppendLine($"        (+{outcome.Anomalies.Count - 5} more)");
            }
            int passed = verdict.Count(RuleStatus.Pass), ignored = verdict.Count(RuleStatus.Ignored);
            if (!verdict.HasError || verdict.Rules.Count > 0)
                text.AppendLine($"  pass  {passed} rule(s){(ignored > 0 ? $", {ignored} ignored" : "")}");
        }
        int failed = verdicts.Count(v => v.Failed), errors = verdicts.Count(v => v.HasError);
        text.AppendLine();
        text.AppendLine(errors > 0 ? $"Result: ERROR ({errors} trace(s) could not be read{(failed > 0 ? $", {failed} failed" : "")})"
            : failed > 0 ? $"Result: FAIL ({failed} of {verdicts.Count} trace(s) failed)"
            : $"Result: PASS ({verdicts.Count} trace(s))");
        return text.ToString();
    }
}
