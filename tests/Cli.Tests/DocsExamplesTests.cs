using System.Text;

namespace TcpState.Cli.Tests;

/// <summary>
/// The examples in docs/explain.md and README.md are real output: each <c>```text</c> block that starts with <c>$ tcpstate ...</c>, and
/// each <c>```mermaid</c> block under a <c>&lt;!-- $ tcpstate ... --&gt;</c> comment, must be exactly what that command
/// prints when run from the repository. With TCPSTATE_UPDATE_GOLDEN=1 the blocks are rewritten instead.
/// </summary>
public class DocsExamplesTests
{
    private const string Prompt = "$ tcpstate ";

    [Theory]
    [InlineData("docs/explain.md", 10)]
    [InlineData("README.md", 1)]
    public void Page_ShowsWhatItsCommandsPrint(string page, int atLeast)
    {
        var path = Path.Combine(Repository.Root, page);
        var lines = File.ReadAllLines(path);
        var rewritten = new StringBuilder();
        var failures = new StringBuilder();
        int examples = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string? command = null;
            bool echoed = false;
            if (lines[i] == "```text" && i + 1 < lines.Length && lines[i + 1].StartsWith(Prompt, StringComparison.Ordinal))
            {
                command = lines[i + 1][Prompt.Length..];
                echoed = true;
            }
            else if (lines[i] == "```mermaid" && i > 0 && lines[i - 1].StartsWith("<!-- " + Prompt, StringComparison.Ordinal))
                command = lines[i - 1]["<!-- ".Length..^" -->".Length][Prompt.Length..];
            rewritten.Append(lines[i]).Append('\n');
            if (command is null)
                continue;

            int end = Array.IndexOf(lines, "```", i + 1);
            int first = i + (echoed ? 2 : 1);
            string shown = string.Concat(lines[first..end].Select(l => l + "\n"));
            var result = TcpstateProcess.Run(command.Split(' '), stdin: null, workingDirectory: Repository.Root);
            examples++;
            if (echoed) rewritten.Append(lines[i + 1]).Append('\n');
            rewritten.Append(result.Stdout);
            if (result.ExitCode != 0)
                failures.AppendLine($"'{command}' exited {result.ExitCode}: {result.Stderr}");
            else if (shown != result.Stdout)
                failures.AppendLine($"{page} line {i + 1}, '{command}' (- page, + output):").Append(Golden.Diff(shown, result.Stdout));
            i = end - 1;
        }

        if (Environment.GetEnvironmentVariable(Golden.UpdateVariable) == "1")
        {
            File.WriteAllText(path, rewritten.ToString());
            return;
        }
        Assert.True(examples >= atLeast, $"only {examples} examples found in {path}");
        Assert.True(failures.Length == 0, failures + $"\nregenerate with {Golden.UpdateVariable}=1 if the change is intended");
    }
}
