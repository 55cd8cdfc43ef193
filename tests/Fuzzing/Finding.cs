using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace TcpState.Fuzzing;

/// <summary>
/// A broken invariant: which target saw it, which rule, and what happened. <see cref="Signature"/> identifies the bug
/// rather than the input (the exception type and the first tcpstate frame of its stack), so the minimiser can keep
/// shrinking while the same bug still shows and a run reports each bug once.
/// </summary>
internal sealed record Finding(string Target, string Invariant, string Detail, string Signature)
{
    public static Finding Broken(string target, string invariant, string detail) =>
        new(target, invariant, detail, $"{target}/{invariant}");

    public static Finding Threw(string target, Exception exception)
    {
        var frames = (exception.StackTrace ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("at ", StringComparison.Ordinal)).ToList();
        // Thrown by the fuzzer's own code (a mutator, a check): a bug here, not in tcpstate; say so.
        if (frames.Count > 0 && frames[0].StartsWith("at TcpState.Fuzzing", StringComparison.Ordinal))
            target = "fuzzer-itself";
        string frame = frames.FirstOrDefault(l => l.StartsWith("at TcpState.", StringComparison.Ordinal) &&
                                                  !l.StartsWith("at TcpState.Fuzzing", StringComparison.Ordinal)) ?? frames.FirstOrDefault() ?? "";
        int parameters = frame.IndexOf('(', StringComparison.Ordinal);
        if (parameters > 0) frame = frame[..parameters];
        return new Finding(target, "no-exception", exception.ToString(), $"{target}/{exception.GetType().Name}/{frame}");
    }
}

/// <summary>Where an input that broke an invariant came from, so that it can be regenerated and replayed.</summary>
internal sealed record FindingOrigin(int Seed, Campaign Campaign, long Iteration, string SeedName, IReadOnlyList<string> Mutations,
    PipelineSettings? Settings = null);

/// <summary>
/// Collects findings, keeps the first input of each signature, and writes it with a note saying how to reproduce it
/// (<c>repro --seed S --iteration I</c>) and how to shrink it (<c>minimise FILE</c>).
/// </summary>
internal sealed class FindingStore(string directory)
{
    private readonly ConcurrentDictionary<string, (Finding Finding, FindingOrigin Origin, string Path)> _first = new(StringComparer.Ordinal);
    private long _total;

    public string Directory { get; } = directory;

    public long Total => Interlocked.Read(ref _total);

    public IEnumerable<(Finding Finding, FindingOrigin Origin, string Path)> Distinct =>
        _first.Values.OrderBy(f => f.Origin.Campaign).ThenBy(f => f.Origin.Iteration);

    public void Add(Finding finding, FindingOrigin origin, byte[] input)
    {
        Interlocked.Increment(ref _total);
        if (_first.ContainsKey(finding.Signature))
            return;
        System.IO.Directory.CreateDirectory(Directory);
        string stem = string.Create(CultureInfo.InvariantCulture,
            $"seed-{origin.Seed}-{(origin.Campaign == Campaign.Files ? "iteration" : "batch")}-{origin.Iteration}");
        string path = Path.Combine(Directory, stem + (input.Length >= 4 && input[0] == 0x0A && input[1] == 0x0D ? ".pcapng" : ".pcap"));
        if (!_first.TryAdd(finding.Signature, (finding, origin, path)))
            return;
        File.WriteAllBytes(path, input);
        File.WriteAllText(Path.Combine(Directory, stem + ".txt"), Describe(finding, origin, path));
        Console.WriteLine($"FINDING {finding.Signature} ({stem}): {FirstLine(finding.Detail)}");
    }

    public static string Describe(Finding finding, FindingOrigin origin, string path)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"target:     {finding.Target}");
        text.AppendLine(CultureInfo.InvariantCulture, $"invariant:  {finding.Invariant}");
        text.AppendLine(CultureInfo.InvariantCulture, $"signature:  {finding.Signature}");
        text.AppendLine(CultureInfo.InvariantCulture, $"seed file:  {origin.SeedName}");
        text.AppendLine(CultureInfo.InvariantCulture, $"mutations:  {string.Join(", ", origin.Mutations)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"settings:   {origin.Settings}");
        string option = origin.Campaign == Campaign.Files ? "--iteration" : "--batch";
        text.AppendLine(CultureInfo.InvariantCulture, $"reproduce:  dotnet run --project tests/Fuzzing -c Release -- repro --seed {origin.Seed} {option} {origin.Iteration}");
        string flags = origin.Settings?.MinimiseArguments() ?? "";
        string process = finding.Target == ProcessTarget.Name ? " --process" : "";
        text.AppendLine(CultureInfo.InvariantCulture, $"minimise:   dotnet run --project tests/Fuzzing -c Release -- minimise {path}{flags}{process}");
        text.AppendLine();
        text.AppendLine(finding.Detail);
        return text.ToString();
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? text : text[..end].TrimEnd('\r');
    }
}
