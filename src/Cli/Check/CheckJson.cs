using System.Text.Json;
using TcpState.Cli.Output;

namespace TcpState.Cli.Check;

/// <summary>The check results as one JSON document: per trace, per rule, with the anomalies in the same shape as `read`.</summary>
public static class CheckJson
{
    public static void Write(string path, IReadOnlyList<TraceVerdict> verdicts, CheckPolicy policy)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, JsonText.Options(indented: true));
        json.WriteStartObject();
        json.WriteString("policy", policy.Source);
        json.WriteBoolean("passed", verdicts.All(v => !v.Failed && !v.HasError));
        json.WriteStartArray("traces");
        foreach (var verdict in verdicts)
        {
            json.WriteStartObject();
            json.WriteString("trace", verdict.Trace);
            json.WriteString("result", verdict.HasError ? "error" : verdict.Failed ? "fail" : "pass");
            if (verdict.Error is not null) json.WriteString("error", verdict.Error);
            json.WriteNumber("frames", verdict.Frames);
            json.WriteNumber("connections", verdict.Connections);
            json.WriteStartArray("rules");
            foreach (var outcome in verdict.Rules)
            {
                json.WriteStartObject();
                json.WriteString("id", outcome.Rule.AnomalyId);
                json.WriteString("level", outcome.Rule.Level.ToString().ToLowerInvariant());
                json.WriteNumber("max", outcome.Rule.Max);
                json.WriteNumber("found", outcome.Anomalies.Count);
                json.WriteString("status", outcome.Status.ToString().ToLowerInvariant());
                json.WriteStartArray("anomalies");
                foreach (var anomaly in outcome.Anomalies)
                    AnomalyJson.Write(json, anomaly);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
