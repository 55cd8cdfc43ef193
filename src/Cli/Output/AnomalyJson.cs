using System.Collections;
using System.Globalization;
using System.Text.Json;
using TcpState.Analysis.Anomalies;
using TcpState.Capture;

namespace TcpState.Cli.Output;

/// <summary>
/// An anomaly as one JSON object (<c>"record": "anomaly"</c>), the same for every command that reports anomalies:
/// <c>id</c> (the catalogue's kebab-case name), <c>level</c>, <c>severity</c>, <c>ts</c> (first seen), <c>last_ts</c>,
/// <c>subject</c>, <c>count</c>, <c>evidence</c> (connection uids), <c>message</c> and the detector's <c>details</c>.
/// </summary>
internal static class AnomalyJson
{
    public static void Write(Utf8JsonWriter json, Anomaly anomaly)
    {
        json.WriteStartObject();
        json.WriteString("record", "anomaly");
        json.WriteString("id", anomaly.Id);
        json.WriteString("level", Name(anomaly.Level));
        json.WriteString("severity", Name(anomaly.Severity));
        WriteTime(json, "ts", anomaly.FirstSeen);
        WriteTime(json, "last_ts", PacketTime.Max(anomaly.LastSeen, anomaly.FirstSeen));
        json.WriteString("subject", anomaly.Subject);
        json.WriteNumber("count", anomaly.Count);
        json.WriteStartArray("evidence");
        foreach (var uid in anomaly.Evidence)
            json.WriteStringValue(uid);
        json.WriteEndArray();
        if (anomaly.EvidenceOmitted > 0)
            json.WriteNumber("evidence_omitted", anomaly.EvidenceOmitted);
        json.WriteString("message", anomaly.Message);
        json.WriteStartObject("details");
        foreach (var (name, value) in anomaly.Details.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            json.WritePropertyName(name);
            WriteValue(json, value);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static string Name(AnomalyLevel level) => level switch
    {
        AnomalyLevel.Connection => "connection",
        AnomalyLevel.Host => "host",
        _ => level.ToString().ToLowerInvariant(),
    };

    public static string Name(AnomalySeverity severity) => severity.ToString().ToLowerInvariant();

    private static void WriteTime(Utf8JsonWriter json, string name, PacketTime time)
    {
        json.WritePropertyName(name);
        json.WriteRawValue(RecordFields.Time(time), skipInputValidation: true);
    }

    /// <summary>Details are figures, names and lists of them; anything else is written as its text.</summary>
    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string text: json.WriteStringValue(text); break;
            case bool flag: json.WriteBooleanValue(flag); break;
            case int or long or short or byte or sbyte or ushort or uint:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case ulong big: json.WriteNumberValue(big); break;
            case double real when double.IsFinite(real): json.WriteNumberValue(real); break;
            case float real when float.IsFinite(real): json.WriteNumberValue(real); break;
            case decimal exact: json.WriteNumberValue(exact); break;
            case PacketTime time: json.WriteRawValue(RecordFields.Time(time), skipInputValidation: true); break;
            case IDictionary map:
                json.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    json.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    WriteValue(json, entry.Value);
                }
                json.WriteEndObject();
                break;
            case IEnumerable items:
                json.WriteStartArray();
                foreach (var item in items) WriteValue(json, item);
                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
