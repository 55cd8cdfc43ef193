using System.IO.Compression;
using System.Text.Json;

namespace TcpState.Cli.Tests;

/// <summary>The read command's inputs, outputs and exit codes, through the real executable.</summary>
public class ReadCommandTests
{
    private static readonly string ClientClosesFirst = Repository.Capture("client-closes-first.pcap");

    [Fact]
    public void Summary_AccountsForEveryFrameAndShowsStatesOnBothSides()
    {
        var result = TcpstateProcess.Run("read", ClientClosesFirst);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Frames       11 read", result.Stdout);
        Assert.Contains("TIME_WAIT", result.Stdout);
        Assert.Contains("SF ", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void JsonSummaryRecord_FrameCountsAddUpToFramesRead()
    {
        var result = TcpstateProcess.Run("read", "--format", "json", Repository.Capture("half-close.pcap"), Repository.Capture("ipv6.pcap"));

        Assert.Equal(0, result.ExitCode);
        var summary = Assert.Single(JsonLines.Records(result.Stdout, "summary"));
        var frames = summary.GetProperty("frames");
        long parts = new[] { "tcp", "other_protocol", "non_first_fragment", "truncated_by_snaplen", "malformed", "unsupported_link_type" }
            .Sum(name => frames.GetProperty(name).GetInt64());
        Assert.Equal(frames.GetProperty("read").GetInt64(), parts);
        Assert.Equal(2, summary.GetProperty("connections").GetProperty("total").GetInt32());
    }

    [Fact]
    public void SeveralFiles_AreAnalysedInOneRun()
    {
        var result = TcpstateProcess.Run("read", "-f", "json", ClientClosesFirst, Repository.Capture("connection-refused.pcap"));

        var states = JsonLines.Records(result.Stdout, "connection").Select(r => r.GetProperty("conn_state").GetString()).ToList();
        Assert.Equal(["SF", "REJ"], states);
    }

    [Fact]
    public void Stdin_IsReadWithDash()
    {
        var result = TcpstateProcess.Run(["read", "-f", "json", "-"], File.ReadAllBytes(ClientClosesFirst));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("SF", Assert.Single(JsonLines.Records(result.Stdout, "connection")).GetProperty("conn_state").GetString());
    }

    [Fact]
    public void GzipCompressedCapture_IsReadTransparently()
    {
        using var directory = new TemporaryDirectory();
        var gz = Path.Combine(directory.Path, "trace.pcap.gz");
        using (var output = File.Create(gz))
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(File.ReadAllBytes(ClientClosesFirst));

        var result = TcpstateProcess.Run("read", "-f", "json", gz);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("ShADadFf", Assert.Single(JsonLines.Records(result.Stdout, "connection")).GetProperty("history").GetString());
    }

    [Fact]
    public void OutputOption_WritesResultsToTheFile()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "conn.log");

        var result = TcpstateProcess.Run("read", "-f", "zeek", "-o", path, ClientClosesFirst);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stdout);
        var lines = File.ReadAllLines(path);
        var fields = lines.Single(l => l.StartsWith("#fields")).Split('\t')[1..];
        var row = lines.Single(l => !l.StartsWith('#')).Split('\t');
        Assert.Equal(fields.Length, row.Length);
        Assert.Equal("SF", row[Array.IndexOf(fields, "conn_state")]);
        Assert.Equal("TIME_WAIT", row[Array.IndexOf(fields, "orig_state")]);
    }

    [Fact]
    public void CsvFormat_HasAHeaderAndOneRowPerConnection()
    {
        var result = TcpstateProcess.Run("read", "-f", "csv", Repository.Capture("port-reuse.pcap"));

        var lines = result.Stdout.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ts,uid,id.orig_h", lines[0]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void TableFormat_ShowsEachConnectionThenTheSummary()
    {
        var result = TcpstateProcess.Run("read", "-f", "table", Repository.Capture("simultaneous-close.pcap"));

        Assert.Contains("TIME_WAIT   TIME_WAIT", result.Stdout);
        Assert.Contains("simultaneous_close", result.Stdout);
    }

    [Fact]
    public void MissingFile_IsOneLineAndExitCode2()
    {
        var result = TcpstateProcess.Run("read", "/nonexistent/trace.pcap");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Contains("/nonexistent/trace.pcap", result.Stderr);
        Assert.DoesNotContain(" at ", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void FileThatIsNotACapture_IsOneLineAndExitCode2()
    {
        var result = TcpstateProcess.Run("read", Repository.Capture("README.md"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not a pcap or pcapng file", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void TruncatedFile_ReportsTheDamageButStillAnalysesWhatCameBefore()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "cut.pcap");
        var bytes = File.ReadAllBytes(ClientClosesFirst);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 30)]);

        var result = TcpstateProcess.Run("read", "-f", "json", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cut short in record 11", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        var summary = Assert.Single(JsonLines.Records(result.Stdout, "summary"));
        Assert.Equal(10, summary.GetProperty("frames").GetProperty("read").GetInt32());
        Assert.Single(JsonLines.Records(result.Stdout, "connection"));
    }

    [Fact]
    public void FloodOfOneAnomalyKind_ListsTheFirstThousand_AndCountsTheRest()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "syn-data-flood.pcap");
        using (var writer = new Capture.Files.PcapWriter(File.Create(path), Capture.LinkType.Raw))
        {
            for (int i = 0; i < Analysis.Anomalies.DetectorLimits.MaxListedPerKind + 200; i++)
            {
                // A SYN carrying 10 bytes without Fast Open, each from its own source: one syn-with-data anomaly each.
                var packet = new byte[50];
                packet[0] = 0x45;
                packet[3] = 50;
                packet[8] = 64;
                packet[9] = 6;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), 0x0A000000u + (uint)i);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), 0xC0000201u);
                packet[20] = 0x9C; // source port 40000
                packet[23] = 80;
                packet[32] = 0x50;
                packet[33] = 0x02; // SYN
                packet[34] = 0xFF;
                writer.Write(packet, packet.Length, Capture.PacketTime.FromSeconds(1_700_000_000 + i * 0.001));
            }
        }

        var result = TcpstateProcess.Run("read", "-f", "json", "-C", path);

        Assert.Equal(0, result.ExitCode);
        var summary = Assert.Single(JsonLines.Records(result.Stdout, "summary"));
        Assert.Equal(1000, summary.GetProperty("anomalies").GetProperty("syn-with-data").GetInt32());
        Assert.Equal(200, summary.GetProperty("anomalies_not_listed").GetProperty("syn-with-data").GetInt32());
        Assert.Equal(1000, JsonLines.Records(result.Stdout, "anomaly").Count(a => a.GetProperty("id").GetString() == "syn-with-data"));
        Assert.Equal(1, summary.GetProperty("anomalies").GetProperty("syn-flood").GetInt32()); // all toward one listener
    }

    [Fact]
    public void UnknownOption_IsBadUsageWithExitCode2()
    {
        var result = TcpstateProcess.Run("read", "--no-such-option", ClientClosesFirst);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void NoFile_IsBadUsageWithExitCode2()
    {
        var result = TcpstateProcess.Run("read");

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public void UnknownFormat_IsBadUsageWithExitCode2()
    {
        var result = TcpstateProcess.Run("read", "-f", "xml", ClientClosesFirst);

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain(" at ", result.Stderr);
    }

    [Fact]
    public void BadChecksums_AreIgnoredByDefaultAndUsedWithC()
    {
        // Zeek's own trace of a Geneve-tunnelled segment with a wrong TCP checksum.
        var trace = Path.Combine(Repository.ZeekCorpus, "traces", "tunnels__geneve-inner-tcp-bad-checksum.pcap");
        if (!File.Exists(trace))
            return;

        var verified = JsonLines.Records(TcpstateProcess.Run("read", "-f", "json", trace).Stdout, "connection");
        var ignored = JsonLines.Records(TcpstateProcess.Run("read", "-f", "json", "-C", trace).Stdout, "connection");

        Assert.Equal("C", Assert.Single(verified).GetProperty("history").GetString());
        Assert.NotEqual("C", Assert.Single(ignored).GetProperty("history").GetString());
    }

    [Fact]
    public void TimeWaitOption_ShortensTwoMsl()
    {
        // In port-reuse.pcap the second SYN comes 0.5 s after the first connection ended: with 2MSL = 0.1 s the
        // first connection's TIME_WAIT has expired by then.
        var result = TcpstateProcess.Run("read", "-f", "json", "--time-wait", "0.1", Repository.Capture("port-reuse.pcap"));

        var first = JsonLines.Records(result.Stdout, "connection")[0];
        Assert.Equal("CLOSED", first.GetProperty("resp_state").GetString());
        Assert.Equal("time_wait_expired", first.GetProperty("end_reason").GetString());
    }

    /// <summary>
    /// json is written straight from the tracker's view; the zeek and csv formats go through a connection record. Both
    /// must say the same thing about every connection.
    /// </summary>
    [Theory]
    [InlineData("simultaneous-close.pcap")]
    [InlineData("port-reuse.pcap")]
    [InlineData("ipv6.pcap")]
    [InlineData("retransmission.pcap")]
    [InlineData("syn-flood-cookies.pcap")]
    public void JsonLines_AgreeWithTheZeekLogOnEveryField(string capture)
    {
        var zeek = TcpstateProcess.Run("read", "-f", "zeek", Repository.Capture(capture)).Stdout.Split('\n');
        var json = JsonLines.Records(TcpstateProcess.Run("read", "-f", "json", Repository.Capture(capture)).Stdout, "connection");

        var fields = zeek.Single(line => line.StartsWith("#fields\t"))["#fields\t".Length..].Split('\t');
        var rows = zeek.Where(line => line.Length > 0 && !line.StartsWith('#')).Select(line => line.Split('\t')).ToList();
        Assert.NotEmpty(rows);
        Assert.Equal(rows.Count, json.Count);
        for (int i = 0; i < rows.Count; i++)
            for (int f = 0; f < fields.Length; f++)
                Assert.True(rows[i][f] == AsZeekText(json[i], fields[f]),
                    $"connection {i}, {fields[f]}: zeek '{rows[i][f]}', json '{AsZeekText(json[i], fields[f])}'");
    }

    /// <summary>A json value spelled as Zeek's log spells it: unset "-", an empty set "(empty)", sets joined by commas.</summary>
    private static string AsZeekText(JsonElement record, string field)
    {
        if (!record.TryGetProperty(field, out var value))
            return "-";
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : "-",
            JsonValueKind.Array when value.GetArrayLength() == 0 => "(empty)",
            JsonValueKind.Array => string.Join(',', value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Object
                ? $"{item.GetProperty("state").GetString()}@{item.GetProperty("ts").GetRawText()}"
                : item.GetString())),
            _ => value.GetRawText(),
        };
    }

    /// <summary>
    /// A Community ID is looked up by grepping for it, as Zeek and Suricata write it: its '+' must appear as itself, not
    /// as the \u002B an HTML-safe encoder writes; so must the apostrophes and dashes of the messages.
    /// </summary>
    [Fact]
    public void JsonText_IsEscapedOnlyWhereJsonRequires()
    {
        var output = TcpstateProcess.Run("read", "-f", "json", ClientClosesFirst).Stdout;

        Assert.Contains("\"community_id\":\"1:xTdb+g9vyR4yViFyldfZorTP0I0=\"", output);
        Assert.DoesNotContain("\\u00", output);
        Assert.DoesNotContain("\\u20", output);
    }

    [Fact]
    public void SameInputTwice_GivesTheSameUidsAndCommunityIds()
    {
        var first = TcpstateProcess.Run("read", "-f", "json", ClientClosesFirst).Stdout;
        var second = TcpstateProcess.Run("read", "-f", "json", ClientClosesFirst).Stdout;

        var a = JsonLines.Records(first, "connection")[0];
        var b = JsonLines.Records(second, "connection")[0];
        Assert.Equal(a.GetProperty("uid").GetString(), b.GetProperty("uid").GetString());
        Assert.Matches("^C[0-9A-Za-z]{17}$", a.GetProperty("uid").GetString());
        Assert.StartsWith("1:", a.GetProperty("community_id").GetString());
    }
}

internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tcpstate-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
