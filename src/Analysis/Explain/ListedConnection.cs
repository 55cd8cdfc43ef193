using TcpState.Analysis.Records;

namespace TcpState.Analysis.Explain;

/// <summary>A finished connection as the explain listing shows it: its record and the anomalies raised about it.</summary>
public sealed class ListedConnection(ConnectionIdentity identity, ConnectionRecord record)
{
    public ConnectionIdentity Identity { get; } = identity;

    /// <summary>The uid as the records write it (computed once, with the record).</summary>
    public string Uid => Record.Uid;

    public ConnectionRecord Record { get; } = record;

    /// <summary>Ids of the anomalies that name this connection (as subject or evidence), in the order raised.</summary>
    public List<string> Anomalies { get; } = [];

    /// <summary>The ladder, when its packets were recorded (the connection was asked for).</summary>
    public ConnectionLadder? Ladder { get; internal set; }
}
