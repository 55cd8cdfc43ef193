using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;

namespace TcpState.Cli.Tests;

/// <summary>`tcpstate check`: every exit code, the policy file, the overrides, and the JUnit and JSON reports.</summary>
public class CheckCommandTests
{
    private static readonly string PortReuse = Repository.Capture("port-reuse.pcap");
    private static readonly string Clean = Repository.Capture("client-closes-first.pcap");

    [Fact]
    public void CleanTraces_PassWithExitCode0()
    {
        var result = TcpstateProcess.Run("check", Clean, Repository.Capture("simultaneous-close.pcap"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Result: PASS (2 trace(s))", result.Stdout);
    }

    [Fact]
    public void LowSeverityAnomaly_OnlyWarnsByDefault()
    {
        var result = TcpstateProcess.Run("check", PortReuse);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("warn  port-reuse-time-wait: 1 found (max 0)", result.Stdout);
    }

    [Fact]
    public void FailOn_MakesARuleFailWithExitCode1()
    {
        var result = TcpstateProcess.Run("check", "--fail-on", "port-reuse-time-wait,syn-flood", PortReuse, Clean);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("fail  port-reuse-time-wait", result.Stdout);
        Assert.Contains("Result: FAIL (1 of 2 trace(s) failed)", result.Stdout);
    }

    [Fact]
    public void Max_ToleratesThatManyAnomalies()
    {
        var result = TcpstateProcess.Run("check", "--fail-on", "port-reuse-time-wait", "--max", "port-reuse-time-wait=1", PortReuse);

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void PolicyFile_SetsLevelsAndDetectorThresholds()
    {
        using var directory = new TemporaryDirectory();
        var policy = Path.Combine(directory.Path, "policy.yaml");
        File.WriteAllText(policy, """
            # fail on any TIME_WAIT build-up, however small
            rules:
              time-wait-buildup: fail
              port-reuse-time-wait: ignore
            detectors:
              time-wait-buildup:
                threshold: 1
            """);

        var result = TcpstateProcess.Run("check", "--policy", policy, PortReuse);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("fail  time-wait-buildup", result.Stdout);
        Assert.DoesNotContain("port-reuse-time-wait:", result.Stdout);
    }

    [Fact]
    public void MistakeInThePolicy_IsOneLineNamingTheLineAndExitCode2()
    {
        using var directory = new TemporaryDirectory();
        var policy = Path.Combine(directory.Path, "policy.yaml");
        File.WriteAllText(policy, "rules:\n  syn-flood: fail\n  syn-flod: warn\n");

        var result = TcpstateProcess.Run("check", "--policy", policy, Clean);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"tcpstate: {policy}:3: unknown anomaly id 'syn-flod'", result.Stderr.Trim().Split(" (known:")[0]);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void UnreadableTrace_IsAnErrorWithExitCode2EvenIfOthersFail()
    {
        var result = TcpstateProcess.Run("check", "--fail-on", "port-reuse-time-wait", PortReuse, "/nonexistent.pcap");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ERROR /nonexistent.pcap", result.Stdout);
        Assert.Contains("/nonexistent.pcap", result.Stderr);
    }

    [Theory]
    [InlineData("--fail-on", "no-such-anomaly")]
    [InlineData("--max", "syn-flood")]
    [InlineData("--max", "syn-flood=many")]
    public void BadOverride_IsBadUsageWithExitCode2(string option, string value)
    {
        var result = TcpstateProcess.Run("check", option, value, Clean);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void JUnitReport_IsValidJUnitXmlWithOneSuitePerTraceAndOneCasePerRule()
    {
        using var directory = new TemporaryDirectory();
        var junit = Path.Combine(directory.Path, "report.xml");

        var result = TcpstateProcess.Run("check", "--fail-on", "port-reuse-time-wait", "--junit", junit, PortReuse, Clean, "/nonexistent.pcap");

        Assert.Equal(2, result.ExitCode);
        var schemas = new XmlSchemaSet();
        schemas.Add(null, Path.Combine(AppContext.BaseDirectory, "Schemas", "junit.xsd"));
        var document = XDocument.Load(junit);
        var errors = new List<string>();
        document.Validate(schemas, (_, e) => errors.Add(e.Message));
        Assert.Empty(errors);

        var suites = document.Root!.Elements("testsuite").ToList();
        Assert.Equal(3, suites.Count);
        Assert.Equal(15, suites[0].Elements("testcase").Count());
        var failure = suites[0].Elements("testcase").Single(c => (string?)c.Attribute("name") == "port-reuse-time-wait").Element("failure");
        Assert.NotNull(failure);
        Assert.Contains("evidence: C", failure!.Value);
        Assert.Equal("0", (string?)suites[1].Attribute("failures"));
        Assert.NotNull(suites[2].Element("testcase")!.Element("error"));
        Assert.Equal("1", (string?)document.Root.Attribute("failures"));
        Assert.Equal("1", (string?)document.Root.Attribute("errors"));
    }

    [Fact]
    public void JsonReport_CarriesEachRulesStatusAndAnomalies()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "report.json");

        TcpstateProcess.Run("check", "--json", path, PortReuse);

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var trace = document.RootElement.GetProperty("traces")[0];
        Assert.Equal("pass", trace.GetProperty("result").GetString());
        var rule = trace.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "port-reuse-time-wait");
        Assert.Equal("warn", rule.GetProperty("status").GetString());
        Assert.Equal("anomaly", rule.GetProperty("anomalies")[0].GetProperty("record").GetString());
    }
}
