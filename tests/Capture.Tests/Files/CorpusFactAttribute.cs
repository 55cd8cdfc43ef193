namespace TcpState.Capture.Tests.Files;

/// <summary>
/// A fact over the Zeek reference traces. Skipped, with the place it looked, when the corpus is not there
/// (a checkout without /work/shared), so the rest of the suite still runs.
/// </summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute()
    {
        if (ZeekCorpus.Directory is null)
            Skip = $"Zeek trace corpus not found ({ZeekCorpus.WhereLooked})";
    }
}

/// <summary>A theory over the Zeek reference traces, skipped like <see cref="CorpusFactAttribute"/>.</summary>
public sealed class CorpusTheoryAttribute : TheoryAttribute
{
    public CorpusTheoryAttribute()
    {
        if (ZeekCorpus.Directory is null)
            Skip = $"Zeek trace corpus not found ({ZeekCorpus.WhereLooked})";
    }
}

/// <summary>Finds ../shared/corpus/zeek next to the repository (the folder holding Analyzer.sln).</summary>
internal static class ZeekCorpus
{
    private static readonly Lazy<(string? Directory, string WhereLooked)> Location = new(Locate);

    public static string? Directory => Location.Value.Directory;

    public static string WhereLooked => Location.Value.WhereLooked;

    public static string Trace(string name) => Path.Combine(Directory!, "traces", name);

    private static (string?, string) Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Analyzer.sln")))
                continue;
            string corpus = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "corpus", "zeek"));
            return System.IO.Directory.Exists(Path.Combine(corpus, "traces")) ? (corpus, corpus) : (null, corpus);
        }
        return (null, $"no Analyzer.sln above {AppContext.BaseDirectory}");
    }
}
