using System.Text;

namespace TcpState.Cli.Tests;

/// <summary>
/// Golden files: expected outputs kept under tests/Cli.Tests/Golden. A mismatch fails with a line diff. After an
/// intended change of output, regenerate them with <c>TCPSTATE_UPDATE_GOLDEN=1 dotnet test Analyzer.sln -c Release</c>
/// and review the diff in git.
/// </summary>
internal static class Golden
{
    public const string UpdateVariable = "TCPSTATE_UPDATE_GOLDEN";

    public static string Folder => Path.Combine(Repository.Root, "tests", "Cli.Tests", "Golden");

    public static void AssertMatches(string name, string actual)
    {
        var path = Path.Combine(Folder, name);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file {path} is missing: create it with {UpdateVariable}=1");
        var expected = File.ReadAllText(path);
        if (expected != actual)
            Assert.Fail($"output differs from {path} (- golden, + actual; regenerate with {UpdateVariable}=1 if intended):\n" +
                        Diff(expected, actual));
    }

    /// <summary>A unified-style line diff (longest common subsequence) with two lines of context.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var common = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
            for (int j = b.Length - 1; j >= 0; j--)
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);

        var lines = new List<(char Mark, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { lines.Add((' ', a[x])); x++; y++; }
            else if (y < b.Length && (x == a.Length || common[x, y + 1] >= common[x + 1, y])) lines.Add(('+', b[y++]));
            else lines.Add(('-', a[x++]));
        }

        var text = new StringBuilder();
        const int context = 2;
        int lastShown = -1;
        for (int i = 0; i < lines.Count; i++)
        {
            bool near = false;
            for (int k = Math.Max(0, i - context); k <= Math.Min(lines.Count - 1, i + context) && !near; k++)
                near = lines[k].Mark != ' ';
            if (!near) continue;
            if (lastShown >= 0 && i > lastShown + 1) text.AppendLine("@@");
            text.Append(lines[i].Mark).AppendLine(lines[i].Text);
            lastShown = i;
        }
        return text.ToString();
    }
}
