namespace TcpState.Cli.Tests;

/// <summary><c>read --filter</c>: tcpdump's BPF on file input, with the frame accounting still adding up.</summary>
public class ReadFilterTests
{
    private static readonly string ClientClosesFirst = Repository.Capture("client-closes-first.pcap");
    private static readonly string Refused = Repository.Capture("connection-refused.pcap");

    [Fact]
    public void OnlyMatchingFrames_AreAnalysed_AndTheSummarySaysHowManyOfHowMany()
    {
        var json = TcpstateProcess.Run("read", "-f", "json", "--filter", "tcp port 8005", ClientClosesFirst, Refused);
        var text = TcpstateProcess.Run("read", "--filter", "tcp port 8005", ClientClosesFirst, Refused);

        Assert.Equal(0, json.ExitCode);
        Assert.Equal("REJ", Assert.Single(JsonLines.Records(json.Stdout, "connection")).GetProperty("conn_state").GetString());
        var summary = Assert.Single(JsonLines.Records(json.Stdout, "summary"));
        var frames = summary.GetProperty("frames");
        long read = frames.GetProperty("read").GetInt64();
        var filter = summary.GetProperty("filter");
        Assert.Equal("tcp port 8005", filter.GetProperty("expression").GetString());
        long examined = filter.GetProperty("frames_examined").GetInt64();
        Assert.Equal(examined, read + filter.GetProperty("frames_filtered_out").GetInt64());
        Assert.Equal(read, frames.GetProperty("tcp").GetInt64());
        Assert.True(read > 0 && read < examined);
        Assert.Contains($"Frames       {read} matched the filter of {examined} read", text.Stdout);
        Assert.Contains("Filter       tcp port 8005", text.Stdout);
    }

    [Fact]
    public void BadFilter_IsOneLineWithLibpcapsMessage_AndExitCode2()
    {
        var result = TcpstateProcess.Run("read", "--filter", "tcp prot 80", ClientClosesFirst);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("tcpstate: bad filter 'tcp prot 80': can't parse filter expression: syntax error\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void FilterThatCannotApplyToTheLinkType_IsAnInputProblem()
    {
        var result = TcpstateProcess.Run("read", "--filter", "ether host 02:00:00:00:00:01", Repository.Capture("sll2-any.pcap"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot apply to frames of link type 276", result.Stderr);
    }
}
