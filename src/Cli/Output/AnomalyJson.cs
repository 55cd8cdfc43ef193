using System.Text.Json;
using TcpState.Analysis.Anomalies;

namespace TcpState.Cli.Output;

/// <summary>An anomaly as one JSON object (<c>"record": "anomaly"</c>): the same fields in every command that emits them.</summary>
internal static class AnomalyJson
{
    public static void Write(Utf8JsonWriter json, Anomaly anomaly)
    {
        json.WriteStartObject();
        json.WriteString("record", "anomaly");
        json.WriteString("id", anomaly.Id);
        json.WriteString("level", anomaly.Level == AnomalyLevel.Host ? "host" : "connection");
        json.WriteString("severity", Severity(anomaly.Severity));
        RecordFields.WriteTime(json, JsonNames.Ts, anomaly.FirstSeen);
        RecordFields.WriteTime(json, JsonNames.LastTs, anomaly.LastSeen);
        json.WriteString("subject", anomaly.Subject);
        json.WriteNumber("count", anomaly.Count);
        json.WriteStartArray("evidence");
        foreach (var uid in anomaly.Evidence) json.WriteStringValue(uid);
        json.WriteEndArray();
        if (anomaly.EvidenceOmitted > 0) json.WriteNumber("evidence_omitted", anomaly.EvidenceOmitted);
        json.WriteString("message", anomaly.Message);
        json.WriteStartObject("details");
        foreach (var (name, value) in anomaly.Details.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            switch (value)
            {
                case bool b: json.WriteBoolean(name, b); break;
                case int i: json.WriteNumber(name, i); break;
                case long l: json.WriteNumber(name, l); break;
                case double d: json.WriteNumber(name, d); break;
                default: json.WriteString(name, value.ToString()); break;
            }
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static string Severity(AnomalySeverity severity) => severity.ToString().ToLowerInvariant();
}
