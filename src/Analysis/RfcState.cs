namespace TcpState.Analysis;

/// <summary>
/// The connection states of RFC 9293 §3.3.2, one per endpoint. Printed with the RFC's names
/// (<see cref="RfcStateNames.ToRfcName"/>), so output can be read beside the RFC's state diagram.
/// </summary>
public enum RfcState : byte
{
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

public static class RfcStateNames
{
    private static readonly string[] Names =
    [
        "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
        "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
    ];

    public static int Count => Names.Length;

    /// <summary>The RFC's name with an underscore, as netstat and ss print it: SYN_RCVD, FIN_WAIT_1, TIME_WAIT.</summary>
    public static string ToRfcName(this RfcState state) => Names[(int)state];

    public static bool TryParse(string name, out RfcState state)
    {
        int index = Array.IndexOf(Names, name.ToUpperInvariant().Replace('-', '_'));
        state = index < 0 ? default : (RfcState)index;
        return index >= 0;
    }
}
