using System.Runtime.CompilerServices;
using TcpState.Analysis;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Records;
using TcpState.Analysis.Zeek;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Cli.Output;

/// <summary>
/// What a connection's output line needs, copied out of the tracker, which reuses its storage once told: a fixed-size
/// struct with no strings, so the copy allocates nothing and can be formatted on another thread.
/// </summary>
internal struct ConnectionLine
{
    public PacketTime Start;
    public IpAddress OriginatorAddress, ResponderAddress;
    public ushort OriginatorPort, ResponderPort;
    public double Duration;
    public ulong OriginatorBytes, ResponderBytes, MissedBytes;
    public uint OriginatorPackets, ResponderPackets;
    public ConnState ConnState;
    public RfcState OriginatorState, ResponderState;
    public ConnectionFlags Flags;
    public FinishReason FinishReason;
    public int HistoryLength, OriginatorTransitions, TransitionCount;
    public HistoryText History;
    /// <summary>The originator's transitions, then the responder's: a connection records at most this many in all.</summary>
    public TransitionList Transitions;

    /// <summary>Zeek leaves duration and byte counts out when every packet has one timestamp (<see cref="ConnectionView.HasDuration"/>).</summary>
    public readonly bool HasDuration => ConnectionView.IsDuration(Duration);

    public void CopyFrom(in ConnectionView connection)
    {
        Start = connection.Start;
        OriginatorAddress = connection.OriginatorAddress;
        OriginatorPort = connection.OriginatorPort;
        ResponderAddress = connection.ResponderAddress;
        ResponderPort = connection.ResponderPort;
        Duration = connection.Duration;
        OriginatorBytes = connection.OriginatorBytes;
        ResponderBytes = connection.ResponderBytes;
        MissedBytes = connection.MissedBytes;
        OriginatorPackets = connection.OriginatorPackets;
        ResponderPackets = connection.ResponderPackets;
        ConnState = connection.ConnState;
        OriginatorState = connection.OriginatorState;
        ResponderState = connection.ResponderState;
        Flags = connection.Flags;
        FinishReason = connection.FinishReason;
        HistoryLength = connection.WriteHistory(History);
        OriginatorTransitions = connection.CopyTransitions(originator: true, Transitions);
        TransitionCount = OriginatorTransitions +
            connection.CopyTransitions(originator: false, ((Span<StateChange>)Transitions)[OriginatorTransitions..]);
    }

    [InlineArray(ConnectionView.MaxHistoryLength)]
    public struct HistoryText
    {
        private char _first;
    }

    [InlineArray(ConnectionView.MaxTransitions)]
    public struct TransitionList
    {
        private StateChange _first;
    }
}
