using TcpState.Cli.Check;

namespace TcpState.Cli.Tests;

/// <summary>The policy file: what it sets, and a clear message naming the line for every kind of mistake.</summary>
public class PolicyParserTests
{
    [Fact]
    public void FullPolicy_SetsRulesDefaultsDetectorsAndAnalysis()
    {
        var policy = PolicyParser.Parse("""
            rules:
              syn-flood: fail
              zero-window: { level: warn, max: 3 }
            default: ignore
            detectors:
              syn-flood: { half_open_threshold: 250, window: 500ms }
              close-wait-linger:
                threshold: 2m
                rollup_connections: 5
            analysis:
              time_wait: 30s
              idle_timeout: 1h
              ignore_checksums: yes
            """, "p.yaml");

        Assert.Equal(new Rule("syn-flood", RuleLevel.Fail, 0), policy.Rules["syn-flood"]);
        Assert.Equal(new Rule("zero-window", RuleLevel.Warn, 3), policy.Rules["zero-window"]);
        Assert.Equal(RuleLevel.Ignore, policy.Rules["port-scan"].Level);
        Assert.Equal(250, policy.Detectors.SynFloodHalfOpenThreshold);
        Assert.Equal(0.5, policy.Detectors.SynFloodWindowSeconds);
        Assert.Equal(120, policy.Detectors.CloseWaitLingerSeconds);
        Assert.Equal(5, policy.Detectors.CloseWaitRollupConnections);
        Assert.Equal(30, policy.Analysis.TimeWaitSeconds);
        Assert.Equal(3600, policy.Analysis.IdleTimeoutSeconds);
        Assert.True(policy.IgnoreChecksums);
    }

    [Fact]
    public void EmptyPolicy_IsTheBuiltInOne()
    {
        var policy = PolicyParser.Parse("", "empty.yaml");

        Assert.Equal(RuleLevel.Fail, policy.Rules["syn-flood"].Level);
        Assert.Equal(RuleLevel.Warn, policy.Rules["port-reuse-time-wait"].Level);
        Assert.Equal("empty.yaml", policy.Source);
    }

    [Theory]
    [InlineData("rules:\n  syn-flood: [fail\n", "p.yaml:3: not valid YAML")]
    [InlineData("rules:\n  syn-flood: fial\n", "p.yaml:2: 'fial' is not a level (fail, warn or ignore)")]
    [InlineData("rules:\n  syn-flood: fail\n  syn-flod: warn\n", "p.yaml:3: unknown anomaly id 'syn-flod'")]
    [InlineData("rules:\n  zero-window:\n    level: warn\n    maximum: 2\n", "p.yaml:4: unknown rule key 'maximum' for zero-window")]
    [InlineData("rules:\n  zero-window: { max: -1 }\n", "p.yaml:2: '-1' is not a whole number")]
    [InlineData("rulez:\n  syn-flood: fail\n", "p.yaml:1: unknown section 'rulez'")]
    [InlineData("detectors:\n  syn-flood:\n    window: soon\n", "p.yaml:3: 'soon' is not a duration")]
    [InlineData("detectors:\n  syn-flood:\n    half_open: 10\n", "p.yaml:3: unknown syn-flood parameter 'half_open'")]
    [InlineData("detectors:\n  syn-flood:\n    half_open_threshold: 0\n", "p.yaml:3: '0' is not a positive whole number")]
    [InlineData("detectors:\n  rst-out-of-window: { x: 1 }\n", "p.yaml:2: the rst-out-of-window detector has no parameters")]
    [InlineData("analysis:\n  idle_timeout: 0s\n", "p.yaml:2: must be more than zero")]
    [InlineData("analysis:\n  ignore_checksums: maybe\n", "p.yaml:2: 'maybe' is not true or false")]
    [InlineData("- syn-flood\n", "p.yaml:1: a policy is a mapping")]
    [InlineData("rules: fail\n", "p.yaml:1: 'rules' must be a mapping")]
    public void Mistake_IsReportedWithTheLine(string yaml, string expected)
    {
        var error = Assert.Throws<PolicyException>(() => PolicyParser.Parse(yaml, "p.yaml"));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void MissingPolicyFile_SaysSo()
    {
        var error = Assert.Throws<PolicyException>(() => PolicyParser.Load("/nonexistent/policy.yaml"));

        Assert.StartsWith("cannot read policy /nonexistent/policy.yaml", error.Message);
    }
}
