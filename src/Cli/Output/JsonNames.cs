using System.Text.Json;
using TcpState.Analysis;

namespace TcpState.Cli.Output;

/// <summary>
/// Property names and values shared by the records written through Utf8JsonWriter (anomalies, live events and
/// statistics), encoded once: the writer otherwise checks and transcodes a name given as a string every time. A
/// connection's line is written as bytes (<see cref="JsonConnectionRecord"/>).
/// </summary>
internal static class JsonNames
{
    public static readonly JsonEncodedText Ts = JsonEncodedText.Encode("ts");
    public static readonly JsonEncodedText LastTs = JsonEncodedText.Encode("last_ts");
    public static readonly JsonEncodedText Since = JsonEncodedText.Encode("since");
    public static readonly JsonEncodedText Uid = JsonEncodedText.Encode("uid");
    public static readonly JsonEncodedText OrigH = JsonEncodedText.Encode("id.orig_h");
    public static readonly JsonEncodedText OrigP = JsonEncodedText.Encode("id.orig_p");
    public static readonly JsonEncodedText RespH = JsonEncodedText.Encode("id.resp_h");
    public static readonly JsonEncodedText RespP = JsonEncodedText.Encode("id.resp_p");

    private static readonly JsonEncodedText[] RfcStates =
        Enum.GetValues<RfcState>().Select(state => JsonEncodedText.Encode(state.ToRfcName())).ToArray();

    /// <summary>The state's RFC 9293 name (<see cref="RfcStateNames.ToRfcName"/>), encoded.</summary>
    public static JsonEncodedText Of(RfcState state) => RfcStates[(int)state];
}
