namespace TcpState.Cli.Output;

public enum OutputFormat
{
    /// <summary>A readable summary: frames, connections, states, conn_state distribution.</summary>
    Summary,
    /// <summary>One aligned row per connection, then the summary.</summary>
    Table,
    /// <summary>One JSON object per line, each with a "record" field.</summary>
    Json,
    /// <summary>Zeek conn.log-style TSV with #fields.</summary>
    Zeek,
    Csv,
}
