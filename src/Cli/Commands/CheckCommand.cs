using System.CommandLine;
using System.Globalization;
using TcpState.Analysis.Anomalies;
using TcpState.Cli.Check;

namespace TcpState.Cli.Commands;

/// <summary>
/// <c>tcpstate check TRACE... [--policy FILE]</c>: the CI check. Each trace is analysed on its own and judged against
/// the policy; exit 0 when all pass (warnings allowed), 1 when a rule fails, 2 for bad usage or unreadable input.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var traces = new Argument<string[]>("traces")
        {
            Description = "Capture files to judge, each on its own",
            Arity = ArgumentArity.OneOrMore,
        };
        var policy = new Option<string?>("--policy", "-p") { Description = "YAML policy (rules, thresholds); default: fail on critical and high anomalies, warn on the rest" };
        var failOn = new Option<string[]>("--fail-on")
        {
            Description = "Anomaly ids that fail the check whenever found (comma-separated, repeatable)",
        };
        var max = new Option<string[]>("--max")
        {
            Description = "ID=N: tolerate up to N anomalies of that id before its rule triggers (repeatable)",
        };
        var junit = new Option<string?>("--junit") { Description = "Also write JUnit XML here (one testsuite per trace, one testcase per rule)" };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON here" };
        var ignoreChecksums = new Option<bool>("--ignore-checksums", "-C") { Description = "Do not verify TCP checksums" };

        var command = new Command("check", "Judge capture files against a policy of anomaly rules, for CI (exit 0 pass, 1 fail, 2 error)")
        {
            traces, policy, failOn, max, junit, json, ignoreChecksums,
        };
        command.SetAction(result =>
        {
            var loaded = LoadPolicy(result.GetValue(policy));
            var overrides = Overrides(result.GetValue(failOn) ?? [], result.GetValue(max) ?? [], loaded);
            return Run(result.GetValue(traces)!, loaded.With(overrides), result.GetValue(junit), result.GetValue(json),
                result.GetValue(ignoreChecksums));
        });
        return command;
    }

    private static int Run(string[] traces, CheckPolicy policy, string? junitPath, string? jsonPath, bool ignoreChecksums)
    {
        var verdicts = traces.Select(trace => TraceChecker.Check(trace, policy, ignoreChecksums)).ToList();
        Console.Out.Write(CheckReport.Render(verdicts, policy));
        try
        {
            if (junitPath is not null) JUnitReport.Write(junitPath, verdicts);
            if (jsonPath is not null) CheckJson.Write(jsonPath, verdicts, policy);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"cannot write the report: {e.Message}");
        }
        foreach (var verdict in verdicts.Where(v => v.HasError))
            Diagnostics.Error(verdict.Error!);
        if (verdicts.Any(v => v.HasError)) return ExitCodes.UsageOrInput;
        return verdicts.Any(v => v.Failed) ? ExitCodes.RuleFailed : ExitCodes.Ok;
    }

    private static CheckPolicy LoadPolicy(string? path)
    {
        if (path is null) return CheckPolicy.BuiltIn;
        try
        {
            return PolicyParser.Load(path);
        }
        catch (PolicyException e)
        {
            throw new UserFacingException(e.Message);
        }
    }

    private static List<Rule> Overrides(string[] failOn, string[] max, CheckPolicy policy)
    {
        var rules = new Dictionary<string, Rule>();
        foreach (var id in failOn.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            Known(id, "--fail-on");
            var current = rules.GetValueOrDefault(id) ?? policy.Rules[id];
            rules[id] = current with { Level = RuleLevel.Fail };
        }
        foreach (var item in max.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var parts = item.Split('=', 2);
            if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int limit))
                throw new UserFacingException($"--max takes ID=N with N a whole number, not '{item}'");
            Known(parts[0], "--max");
            var current = rules.GetValueOrDefault(parts[0]) ?? policy.Rules[parts[0]];
            rules[parts[0]] = current with { Max = limit };
        }
        return rules.Values.ToList();
    }

    private static void Known(string id, string option)
    {
        if (!AnomalyCatalogue.IsKnown(id))
            throw new UserFacingException($"{option}: unknown anomaly id '{id}' (known: {string.Join(", ", AnomalyCatalogue.All.Select(k => k.Id))})");
    }
}
