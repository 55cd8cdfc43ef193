namespace TcpState.Analysis.Zeek;

/// <summary>
/// Zeek's coarse per-endpoint TCP states (<c>TCP_ENDPOINT_*</c>), which its <c>conn_state</c> is defined on.
/// Unlike the RFC states these trust what an endpoint sends: CLOSED means "sent a FIN", RESET "sent a RST".
/// </summary>
internal enum ZeekEndpointState : byte
{
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
}
