namespace TcpState.Analysis.Zeek;

/// <summary>Zeek's <c>conn_state</c> codes (base/protocols/conn/main.zeek).</summary>
public enum ConnState : byte
{
    S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH,
}

internal static class ConnStates
{
    /// <summary>
    /// Zeek's decision list, in its order, from the two endpoints' coarse states, their sizes and the history.
    /// "Inactive" includes a partial endpoint (seen only mid-stream).
    /// </summary>
    public static ConnState Classify(ZeekEndpointState originator, ZeekEndpointState responder,
        ulong originatorSize, ulong responderSize, in ZeekHistory history)
    {
        bool originatorInactive = originator is ZeekEndpointState.Inactive or ZeekEndpointState.Partial;
        bool responderInactive = responder is ZeekEndpointState.Inactive or ZeekEndpointState.Partial;

        if (responder == ZeekEndpointState.Reset)
        {
            if (originator is ZeekEndpointState.SynSent or ZeekEndpointState.SynAckSent ||
                (originator == ZeekEndpointState.Reset && originatorSize == 0 && responderSize == 0))
                return ConnState.REJ;
            return originatorInactive ? ConnState.RSTRH : ConnState.RSTR;
        }
        if (originator == ZeekEndpointState.Reset)
        {
            if (!responderInactive)
                return ConnState.RSTO;
            return LooksLikeSynThenReset(history) ? ConnState.RSTOS0 : ConnState.OTH;
        }
        if (originator == ZeekEndpointState.Closed && responder == ZeekEndpointState.Closed)
            return ConnState.SF;
        if (originator == ZeekEndpointState.Closed)
            return responderInactive ? ConnState.SH : ConnState.S2;
        if (responder == ZeekEndpointState.Closed)
            return originatorInactive ? ConnState.SHR : ConnState.S3;
        if (originator == ZeekEndpointState.SynSent && responder == ZeekEndpointState.Inactive)
            return ConnState.S0;
        if (originator == ZeekEndpointState.Established && responder == ZeekEndpointState.Established)
            return ConnState.S1;
        return ConnState.OTH;
    }

    /// <summary>Zeek's pattern <c>^?S[^HAFGIQ]*R.*</c> on the history: a SYN, then a RST, nothing of a handshake between.</summary>
    private static bool LooksLikeSynThenReset(in ZeekHistory history)
    {
        int i = 0;
        if (i < history.Length && history[i] == '^') i++;
        if (i >= history.Length || history[i] != 'S') return false;
        for (i++; i < history.Length; i++)
        {
            char c = history[i];
            if (c == 'R') return true;
            if (c is 'H' or 'A' or 'F' or 'G' or 'I' or 'Q') return false;
        }
        return false;
    }
}
