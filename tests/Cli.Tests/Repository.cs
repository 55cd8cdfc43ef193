namespace TcpState.Cli.Tests;

/// <summary>Where the repository and its neighbours are, found from the test assembly's folder.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Captures => Path.Combine(Root, "captures");

    /// <summary>The Zeek reference corpus in ../shared beside the repository.</summary>
    public static string ZeekCorpus => Path.GetFullPath(Path.Combine(Root, "..", "shared", "corpus", "zeek"));

    public static string Capture(string name) => Path.Combine(Captures, name);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Analyzer.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Analyzer.sln not found above " + AppContext.BaseDirectory);
    }
}
