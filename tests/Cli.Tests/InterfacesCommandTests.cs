namespace TcpState.Cli.Tests;

/// <summary><c>tcpstate interfaces</c>: the devices live capture can use, as tcpdump -D lists them, plus addresses.</summary>
public class InterfacesCommandTests
{
    [Fact]
    public void Text_ListsLoopbackNumberedWithFlagsAndAddresses()
    {
        var result = TcpstateProcess.Run("interfaces");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n');
        int loopback = Array.FindIndex(lines, line => line.Contains(". lo [", StringComparison.Ordinal));
        Assert.True(loopback >= 0, result.Stdout);
        Assert.Matches(@"^\d+\. lo \[Up, Running, Loopback\]$", lines[loopback]);
        Assert.Contains("127.0.0.1/8", lines[loopback + 1]);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void Json_IsOneRecordPerInterface()
    {
        var result = TcpstateProcess.Run("interfaces", "-f", "json");

        Assert.Equal(0, result.ExitCode);
        var loopback = Assert.Single(JsonLines.Records(result.Stdout, "interface"), r => r.GetProperty("name").GetString() == "lo");
        Assert.Contains("loopback", loopback.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains("::1/128", loopback.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
    }
}
