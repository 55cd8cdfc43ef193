using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Zeek;

namespace TcpState.Cli.Output;

/// <summary>
/// Property names and fixed values of the JSON records, encoded once: Utf8JsonWriter otherwise checks and transcodes
/// a name given as a string every time it is written, some twenty times per connection record.
/// </summary>
internal static class JsonNames
{
    public static readonly JsonEncodedText Record = JsonEncodedText.Encode("record");
    public static readonly JsonEncodedText Connection = JsonEncodedText.Encode("connection");
    public static readonly JsonEncodedText Ts = JsonEncodedText.Encode("ts");
    public static readonly JsonEncodedText LastTs = JsonEncodedText.Encode("last_ts");
    public static readonly JsonEncodedText Since = JsonEncodedText.Encode("since");
    public static readonly JsonEncodedText Uid = JsonEncodedText.Encode("uid");
    public static readonly JsonEncodedText OrigH = JsonEncodedText.Encode("id.orig_h");
    public static readonly JsonEncodedText OrigP = JsonEncodedText.Encode("id.orig_p");
    public static readonly JsonEncodedText RespH = JsonEncodedText.Encode("id.resp_h");
    public static readonly JsonEncodedText RespP = JsonEncodedText.Encode("id.resp_p");
    public static readonly JsonEncodedText Proto = JsonEncodedText.Encode("proto");
    public static readonly JsonEncodedText Tcp = JsonEncodedText.Encode("tcp");
    public static readonly JsonEncodedText Duration = JsonEncodedText.Encode("duration");
    public static readonly JsonEncodedText OrigBytes = JsonEncodedText.Encode("orig_bytes");
    public static readonly JsonEncodedText RespBytes = JsonEncodedText.Encode("resp_bytes");
    public static readonly JsonEncodedText ConnState = JsonEncodedText.Encode("conn_state");
    public static readonly JsonEncodedText MissedBytes = JsonEncodedText.Encode("missed_bytes");
    public static readonly JsonEncodedText History = JsonEncodedText.Encode("history");
    public static readonly JsonEncodedText OrigPkts = JsonEncodedText.Encode("orig_pkts");
    public static readonly JsonEncodedText RespPkts = JsonEncodedText.Encode("resp_pkts");
    public static readonly JsonEncodedText CommunityId = JsonEncodedText.Encode("community_id");
    public static readonly JsonEncodedText OrigState = JsonEncodedText.Encode("orig_state");
    public static readonly JsonEncodedText RespState = JsonEncodedText.Encode("resp_state");
    public static readonly JsonEncodedText OrigTransitions = JsonEncodedText.Encode("orig_transitions");
    public static readonly JsonEncodedText RespTransitions = JsonEncodedText.Encode("resp_transitions");
    public static readonly JsonEncodedText State = JsonEncodedText.Encode("state");
    public static readonly JsonEncodedText Flags = JsonEncodedText.Encode("flags");
    public static readonly JsonEncodedText EndReason = JsonEncodedText.Encode("end_reason");

    private static readonly JsonEncodedText[] RfcStates =
        Enum.GetValues<RfcState>().Select(state => JsonEncodedText.Encode(state.ToRfcName())).ToArray();

    /// <summary>The state's RFC 9293 name (<see cref="RfcStateNames.ToRfcName"/>), encoded.</summary>
    public static JsonEncodedText Of(RfcState state) => RfcStates[(int)state];

    private static readonly JsonEncodedText[] ConnStates =
        Enum.GetValues<ConnState>().Select(state => JsonEncodedText.Encode(state.ToString())).ToArray();

    /// <summary>Zeek's name of the conn_state, encoded.</summary>
    public static JsonEncodedText Of(ConnState state) => ConnStates[(int)state];
}
