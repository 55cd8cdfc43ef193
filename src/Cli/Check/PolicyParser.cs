using System.Globalization;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TcpState.Cli.Check;

/// <summary>A policy file that cannot be used: the message names the file and line.</summary>
public sealed class PolicyException(string message) : Exception(message);

/// <summary>
/// Reads a check policy from YAML:
/// <code>
/// rules:                        # one entry per anomaly id (docs/anomalies.md)
///   syn-flood: fail             # fail | warn | ignore
///   zero-window: { level: warn, max: 3 }   # tolerate up to 3
/// default: warn                 # level for ids not listed (otherwise: fail for critical/high, warn for the rest)
/// detectors:                    # thresholds of the detectors
///   syn-flood: { half_open_threshold: 200, window: 5s }
///   close-wait-linger: { threshold: 30s }
/// analysis:
///   time_wait: 60s
///   idle_timeout: 5m
///   ignore_checksums: false
/// </code>
/// Every mistake is reported with its line, and unknown keys are mistakes (a misspelt id would otherwise silently
/// check nothing).
/// </summary>
public static class PolicyParser
{
    private delegate DetectorSettings Setter(DetectorSettings settings, YamlScalarNode value, string path);

    private static readonly Dictionary<string, Dictionary<string, Setter>> DetectorParameters = new()
    {
        [AnomalyCatalogue.SynFlood] = new()
        {
            ["half_open_threshold"] = (s, v, p) => s with { SynFloodHalfOpenThreshold = Count(v, p) },
            ["window"] = (s, v, p) => s with { SynFloodWindowSeconds = Duration(v, p) },
        },
        [AnomalyCatalogue.AcceptQueueOverflow] = new()
        {
            ["threshold"] = (s, v, p) => s with { AcceptQueueOverflowThreshold = Count(v, p) },
            ["window"] = (s, v, p) => s with { AcceptQueueOverflowWindowSeconds = Duration(v, p) },
        },
        [AnomalyCatalogue.ConnectionRefused] = new()
        {
            ["threshold"] = (s, v, p) => s with { ConnectionRefusedThreshold = Count(v, p) },
            ["window"] = (s, v, p) => s with { ConnectionRefusedWindowSeconds = Duration(v, p) },
        },
        [AnomalyCatalogue.PortScan] = new()
        {
            ["distinct_targets"] = (s, v, p) => s with { PortScanDistinctTargets = Count(v, p) },
            ["window"] = (s, v, p) => s with { PortScanWindowSeconds = Duration(v, p) },
        },
        [AnomalyCatalogue.CloseWaitLinger] = new()
        {
            ["threshold"] = (s, v, p) => s with { CloseWaitLingerSeconds = Duration(v, p) },
            ["rollup_connections"] = (s, v, p) => s with { CloseWaitRollupConnections = Count(v, p) },
        },
        [AnomalyCatalogue.TimeWaitBuildup] = new()
        {
            ["threshold"] = (s, v, p) => s with { TimeWaitThreshold = Count(v, p) },
            ["ephemeral_port_range"] = (s, v, p) => s with { EphemeralPortRange = Count(v, p) },
        },
        [AnomalyCatalogue.FinWait2Timeout] = new()
        {
            ["threshold"] = (s, v, p) => s with { FinWait2TimeoutSeconds = Duration(v, p) },
        },
        [AnomalyCatalogue.PeerUnreachable] = new()
        {
            ["retransmissions"] = (s, v, p) => s with { PeerUnreachableRetransmissions = Count(v, p) },
        },
        [AnomalyCatalogue.KeepaliveDeadPeer] = new()
        {
            ["unanswered_probes"] = (s, v, p) => s with { KeepaliveUnansweredProbes = Count(v, p) },
        },
        [AnomalyCatalogue.ZeroWindow] = new()
        {
            ["stall"] = (s, v, p) => s with { ZeroWindowStallSeconds = Duration(v, p) },
        },
    };

    /// <summary>The parameters each detector accepts, for documentation and error messages.</summary>
    public static IReadOnlyDictionary<string, IEnumerable<string>> Parameters =>
        DetectorParameters.ToDictionary(d => d.Key, d => d.Value.Keys.AsEnumerable());

    public static CheckPolicy Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException($"cannot read policy {path}: {e.Message}");
        }
        return Parse(text, path);
    }

    public static CheckPolicy Parse(string yaml, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new PolicyException($"{path}:{e.Start.Line}: not valid YAML: {FirstLine(e.Message)}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return CheckPolicy.BuiltIn.WithSource(path);
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw Error(path, stream.Documents[0].RootNode, "a policy is a mapping with 'rules', 'default', 'detectors' and 'analysis'");

        RuleLevel? defaultLevel = null;
        var rules = new Dictionary<string, Rule>();
        var detectors = new DetectorSettings();
        var analysis = new AnalysisOptions();
        bool ignoreChecksums = false;
        foreach (var (keyNode, value) in root.Children)
        {
            switch (Key(keyNode, path))
            {
                case "rules":
                    foreach (var (idNode, ruleNode) in Mapping(value, path, "rules").Children)
                    {
                        var id = AnomalyId(idNode, path);
                        rules[id] = ParseRule(id, ruleNode, path);
                    }
                    break;
                case "default":
                    defaultLevel = Level(Scalar(value, path, "default"), path);
                    break;
                case "detectors":
                    foreach (var (idNode, parameters) in Mapping(value, path, "detectors").Children)
                    {
                        var id = AnomalyId(idNode, path);
                        if (!DetectorParameters.TryGetValue(id, out var known))
                            throw Error(path, idNode, $"the {id} detector has no parameters");
                        foreach (var (nameNode, parameterValue) in Mapping(parameters, path, id).Children)
                        {
                            var name = Key(nameNode, path);
                            if (!known.TryGetValue(name, out var setter))
                                throw Error(path, nameNode, $"unknown {id} parameter '{name}' (known: {string.Join(", ", known.Keys)})");
                            detectors = setter(detectors, Scalar(parameterValue, path, name), path);
                        }
                    }
                    break;
                case "analysis":
                    foreach (var (nameNode, optionValue) in Mapping(value, path, "analysis").Children)
                    {
                        var name = Key(nameNode, path);
                        var scalar = Scalar(optionValue, path, name);
                        analysis = name switch
                        {
                            "time_wait" => analysis with { TimeWaitSeconds = Duration(scalar, path) },
                            "idle_timeout" => analysis with { IdleTimeoutSeconds = Positive(Duration(scalar, path), scalar, path) },
                            "max_connections" => analysis with { MaxConnections = Count(scalar, path) },
                            "ignore_checksums" => analysis,
                            _ => throw Error(path, nameNode,
                                $"unknown analysis option '{name}' (known: time_wait, idle_timeout, max_connections, ignore_checksums)"),
                        };
                        if (name == "ignore_checksums")
                            ignoreChecksums = Boolean(scalar, path);
                    }
                    break;
                default:
                    throw Error(path, keyNode, $"unknown section '{Key(keyNode, path)}' (known: rules, default, detectors, analysis)");
            }
        }

        foreach (var kind in AnomalyCatalogue.All)
            if (!rules.ContainsKey(kind.Id))
                rules[kind.Id] = new Rule(kind.Id, defaultLevel ?? CheckPolicy.DefaultLevel(kind.Severity), 0);
        return new CheckPolicy
        {
            Source = path,
            Rules = rules,
            Detectors = detectors,
            Analysis = analysis,
            IgnoreChecksums = ignoreChecksums,
        };
    }

    /// <summary>Parses a level name as written on the command line or in a policy.</summary>
    public static bool TryParseLevel(string text, out RuleLevel level)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "fail": level = RuleLevel.Fail; return true;
            case "warn": level = RuleLevel.Warn; return true;
            case "ignore": level = RuleLevel.Ignore; return true;
            default: level = default; return false;
        }
    }

    private static Rule ParseRule(string id, YamlNode node, string path)
    {
        if (node is YamlScalarNode scalar)
            return new Rule(id, Level(scalar, path), 0);
        var level = CheckPolicy.DefaultLevel(AnomalyCatalogue.Get(id).Severity);
        int max = 0;
        foreach (var (nameNode, value) in Mapping(node, path, id).Children)
        {
            switch (Key(nameNode, path))
            {
                case "level": level = Level(Scalar(value, path, "level"), path); break;
                case "max": max = Count(Scalar(value, path, "max"), path, allowZero: true); break;
                default: throw Error(path, nameNode, $"unknown rule key '{Key(nameNode, path)}' for {id} (known: level, max)");
            }
        }
        return new Rule(id, level, max);
    }

    private static RuleLevel Level(YamlScalarNode node, string path) =>
        TryParseLevel(node.Value ?? "", out var level)
            ? level
            : throw Error(path, node, $"'{node.Value}' is not a level (fail, warn or ignore)");

    private static string AnomalyId(YamlNode node, string path)
    {
        var id = Key(node, path);
        if (!AnomalyCatalogue.IsKnown(id))
            throw Error(path, node, $"unknown anomaly id '{id}' (known: {string.Join(", ", AnomalyCatalogue.All.Select(k => k.Id))})");
        return id;
    }

    private static int Count(YamlScalarNode node, string path) => Count(node, path, allowZero: false);

    private static int Count(YamlScalarNode node, string path, bool allowZero)
    {
        if (int.TryParse(node.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && (value > 0 || allowZero && value == 0))
            return value;
        throw Error(path, node, $"'{node.Value}' is not a {(allowZero ? "whole number" : "positive whole number")}");
    }

    /// <summary>"90", "90s", "1.5s", "500ms", "2m", "1h" → seconds.</summary>
    private static double Duration(YamlScalarNode node, string path)
    {
        var text = (node.Value ?? "").Trim().ToLowerInvariant();
        (string number, double unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= 0)
            return value * unit;
        throw Error(path, node, $"'{node.Value}' is not a duration (e.g. 30s, 500ms, 2m)");
    }

    private static double Positive(double value, YamlScalarNode node, string path) =>
        value > 0 ? value : throw Error(path, node, "must be more than zero");

    private static bool Boolean(YamlScalarNode node, string path) => (node.Value ?? "").ToLowerInvariant() switch
    {
        "true" or "yes" => true,
        "false" or "no" => false,
        _ => throw Error(path, node, $"'{node.Value}' is not true or false"),
    };

    private static string Key(YamlNode node, string path) =>
        node is YamlScalarNode { Value: { } value } ? value : throw Error(path, node, "expected a name here");

    private static YamlMappingNode Mapping(YamlNode node, string path, string what) =>
        node as YamlMappingNode ?? throw Error(path, node, $"'{what}' must be a mapping (name: value lines)");

    private static YamlScalarNode Scalar(YamlNode node, string path, string what) =>
        node as YamlScalarNode ?? throw Error(path, node, $"'{what}' must be a single value");

    private static PolicyException Error(string path, YamlNode node, string message) =>
        new($"{path}:{node.Start.Line}: {message}");

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
