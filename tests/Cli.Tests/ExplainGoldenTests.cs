namespace TcpState.Cli.Tests;

/// <summary>
/// <c>tcpstate explain</c> on recorded captures, both formats, against golden files in tests/Cli.Tests/Golden
/// (regenerate with TCPSTATE_UPDATE_GOLDEN=1 after an intended change; see <see cref="Golden"/>). Each case picks its
/// connection a different way: uid, Community ID, endpoint pair in either order.
/// </summary>
public class ExplainGoldenTests
{
    public static TheoryData<string, string, string> Cases() => new()
    {
        { "client-closes-first", "client-closes-first.pcap", "CG9rNq6QfLZA3dvLyj" },
        { "connection-refused", "connection-refused.pcap", "CK8Aqp12rOUR3vcr8N" },
        { "simultaneous-close", "simultaneous-close.pcap", "1:fcEvJr4NbMRgAf8d9mCKUM9wjQI=" },
        { "close-wait", "close-wait.pcap", "10.99.0.1:40009-10.99.0.2:8009" },
        { "bulk-transfer", "bulk-transfer.pcap", "10.99.0.2:8017-10.99.0.1:40017" },
        { "syn-flood-cookie-client", "syn-flood-cookies.pcap", "10.99.0.1:40018-10.99.0.2:8018" },
        { "syn-flood-half-open", "syn-flood-cookies.pcap", "10.99.0.9:41000-10.99.0.2:8018" },
        { "syn-flood-cookie-unanswered", "syn-flood-cookies.pcap", "10.99.0.9:41004-10.99.0.2:8018" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TextLadder_MatchesItsGoldenFile(string name, string capture, string connection)
    {
        var result = TcpstateProcess.Run("explain", Repository.Capture(capture), "--conn", connection);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr);
        Golden.AssertMatches(name + ".txt", result.Stdout);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MermaidLadder_MatchesItsGoldenFile(string name, string capture, string connection)
    {
        var result = TcpstateProcess.Run("explain", Repository.Capture(capture), "--conn", connection, "--format", "mermaid");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Golden.AssertMatches(name + ".mmd", result.Stdout);
    }

    [Fact]
    public void ConnectionList_MatchesItsGoldenFile()
    {
        // Run from the repository so the listing's hint names the capture as a user would type it.
        var result = TcpstateProcess.Run(["explain", "captures/syn-flood-cookies.pcap"], stdin: null, workingDirectory: Repository.Root);

        Assert.Equal(0, result.ExitCode);
        Golden.AssertMatches("syn-flood-cookies-list.txt", result.Stdout);
    }
}
