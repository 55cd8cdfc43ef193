using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Capture;
using TcpState.Capture.Decoding;
using TcpState.Cli.Live;
using TcpState.Cli.Output;

namespace TcpState.Cli.Tests;

/// <summary>The <c>anomaly</c> JSON record, and how a live stream reports anomalies as they fire and as they end.</summary>
public class AnomalyJsonTests
{
    private static Anomaly SynFlood()
    {
        var anomaly = new Anomaly
        {
            Id = "syn-flood",
            Level = AnomalyLevel.Host,
            Severity = AnomalySeverity.High,
            Subject = "10.0.0.80:443",
            FirstSeen = PacketTime.FromParts(1_700_000_000, 250_000_000),
            LastSeen = PacketTime.FromParts(1_700_000_003, 500_000_000),
            Count = 1200,
            Message = "1,200 half-open connections to 10.0.0.80:443",
        };
        anomaly.AddEvidence("CabcdefghijklmnopQ");
        anomaly.Details["peak_half_open"] = 1200;
        anomaly.Details["ratio"] = 0.5;
        return anomaly;
    }

    [Fact]
    public void Record_CarriesEveryDocumentedField()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
            AnomalyJson.Write(json, SynFlood());

        var record = JsonDocument.Parse(stream.ToArray()).RootElement;

        Assert.Equal("anomaly", record.GetProperty("record").GetString());
        Assert.Equal("syn-flood", record.GetProperty("id").GetString());
        Assert.Equal("host", record.GetProperty("level").GetString());
        Assert.Equal("high", record.GetProperty("severity").GetString());
        Assert.Equal("1700000000.250000", record.GetProperty("ts").GetRawText());
        Assert.Equal("1700000003.500000", record.GetProperty("last_ts").GetRawText());
        Assert.Equal("10.0.0.80:443", record.GetProperty("subject").GetString());
        Assert.Equal(1200, record.GetProperty("count").GetInt64());
        Assert.Equal(["CabcdefghijklmnopQ"], record.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()));
        Assert.StartsWith("1,200 half-open", record.GetProperty("message").GetString());
        var details = record.GetProperty("details");
        Assert.Equal(1200, details.GetProperty("peak_half_open").GetInt32());
        Assert.Equal(0.5, details.GetProperty("ratio").GetDouble());
    }

    [Fact]
    public void LiveStream_WritesAnAnomalyWhenRaised_AndAgainWithItsFinalFiguresAtTheEnd()
    {
        using var stream = new MemoryStream();
        var statistics = new ConnectionStatistics();
        var tracker = new ConnectionTracker(new AnalysisOptions(), statistics);
        var output = new LiveJsonOutput(stream);
        var growing = SynFlood();
        output.OnRaised(growing);
        growing.Count = 5000;
        growing.LastSeen = growing.LastSeen.AddSeconds(10);

        output.End(new RunReport
        {
            Inputs = ["lo"], Frames = new FrameAccounting(), Connections = statistics, Tracker = tracker, Problems = [],
            Anomalies = [growing],
        });
        output.Dispose();

        var lines = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var anomalies = JsonLines.Records(lines, "anomaly");
        Assert.Equal(2, anomalies.Count);
        Assert.Equal(1200, anomalies[0].GetProperty("count").GetInt64());
        Assert.Equal(5000, anomalies[1].GetProperty("count").GetInt64());
        Assert.True(lines.IndexOf("\"anomaly\"", StringComparison.Ordinal) < lines.IndexOf("\"summary\"", StringComparison.Ordinal));
        Assert.Single(JsonLines.Records(lines, "summary"));
    }
}
