using System.Globalization;
using System.Text;
using System.Xml;

namespace TcpState.Cli.Check;

/// <summary>
/// JUnit XML as CI servers read it (Jenkins, GitLab, GitHub test reporters): one testsuite per trace, one testcase per
/// rule; a failing rule carries the anomalies' messages and evidence in its &lt;failure&gt;, a warning goes to
/// &lt;system-out&gt;, an ignored rule is &lt;skipped&gt;, an unreadable trace is an &lt;error&gt;.
/// </summary>
public static class JUnitReport
{
    public static void Write(string path, IReadOnlyList<TraceVerdict> verdicts)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
        using var writer = XmlWriter.Create(path, settings);
        writer.WriteStartDocument();
        writer.WriteStartElement("testsuites");
        writer.WriteAttributeString("name", "tcpstate check");
        writer.WriteAttributeString("tests", Number(verdicts.Sum(Tests)));
        writer.WriteAttributeString("failures", Number(verdicts.Sum(v => v.Count(RuleStatus.Fail))));
        writer.WriteAttributeString("errors", Number(verdicts.Count(v => v.HasError)));
        writer.WriteAttributeString("skipped", Number(verdicts.Sum(v => v.Count(RuleStatus.Ignored))));
        writer.WriteAttributeString("time", Seconds(verdicts.Sum(v => v.Seconds)));

        foreach (var verdict in verdicts)
        {
            writer.WriteStartElement("testsuite");
            writer.WriteAttributeString("name", verdict.Trace);
            writer.WriteAttributeString("tests", Number(Tests(verdict)));
            writer.WriteAttributeString("failures", Number(verdict.Count(RuleStatus.Fail)));
            writer.WriteAttributeString("errors", verdict.HasError ? "1" : "0");
            writer.WriteAttributeString("skipped", Number(verdict.Count(RuleStatus.Ignored)));
            writer.WriteAttributeString("time", Seconds(verdict.Seconds));
            writer.WriteAttributeString("timestamp", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
            string className = "tcpstate.check." + Path.GetFileName(verdict.Trace);

            if (verdict.Error is not null)
            {
                writer.WriteStartElement("testcase");
                writer.WriteAttributeString("name", "read");
                writer.WriteAttributeString("classname", className);
                writer.WriteAttributeString("time", "0");
                writer.WriteStartElement("error");
                writer.WriteAttributeString("message", verdict.Error);
                writer.WriteAttributeString("type", "unreadable-input");
                writer.WriteString(verdict.Error);
                writer.WriteEndElement();
                writer.WriteEndElement();
            }

            foreach (var outcome in verdict.Rules)
            {
                writer.WriteStartElement("testcase");
                writer.WriteAttributeString("name", outcome.Rule.AnomalyId);
                writer.WriteAttributeString("classname", className);
                writer.WriteAttributeString("time", "0");
                switch (outcome.Status)
                {
                    case RuleStatus.Fail:
                        writer.WriteStartElement("failure");
                        writer.WriteAttributeString("message",
                            $"{outcome.Anomalies.Count} {outcome.Rule.AnomalyId} anomal{(outcome.Anomalies.Count == 1 ? "y" : "ies")} (max {outcome.Rule.Max}): {outcome.Anomalies[0].Message}");
                        writer.WriteAttributeString("type", outcome.Rule.AnomalyId);
                        writer.WriteString(Details(outcome));
                        writer.WriteEndElement();
                        break;
                    case RuleStatus.Warn:
                        writer.WriteElementString("system-out", "warning: " + Details(outcome));
                        break;
                    case RuleStatus.Ignored:
                        writer.WriteStartElement("skipped");
                        writer.WriteAttributeString("message", "ignored by policy");
                        writer.WriteEndElement();
                        break;
                }
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    private static int Tests(TraceVerdict verdict) => verdict.Rules.Count + (verdict.HasError ? 1 : 0);

    private static string Details(RuleOutcome outcome)
    {
        var text = new StringBuilder();
        foreach (var anomaly in outcome.Anomalies)
        {
            text.AppendLine($"[{anomaly.Severity.ToString().ToLowerInvariant()}] {anomaly.Id} {anomaly.Subject}: {anomaly.Message}");
            if (anomaly.Evidence.Count > 0)
                text.AppendLine($"  evidence: {string.Join(", ", anomaly.Evidence)}" +
                                (anomaly.EvidenceOmitted > 0 ? $" (+{anomaly.EvidenceOmitted} more)" : ""));
        }
        return text.ToString();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
