using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Live;
using TcpState.Cli.Live;

namespace TcpState.Cli.Output;

/// <summary>
/// A live capture's periodic <c>"record": "stats"</c> line: the dashboard's figures for machines — packet counts and
/// rates, connections per RFC state on each side, listeners, TIME_WAIT per host, the oldest CLOSE_WAIT and FIN_WAIT_2
/// endpoints, and libpcap's counters.
/// </summary>
internal static class LiveStatsJson
{
    public static void Write(Utf8JsonWriter json, LiveStatus status)
    {
        var census = status.Census;
        json.WriteStartObject();
        json.WriteString("record", "stats");
        RecordFields.WriteTime(json, JsonNames.Ts, census.Time);
        json.WriteNumber("elapsed", Math.Round(status.ElapsedSeconds, 3));
        json.WriteString("interface", status.Device);

        json.WriteStartObject("frames");
        json.WriteNumber("read", status.FramesRead);
        json.WriteNumber("tcp", status.TcpFrames);
        if (status.WritePath is not null) json.WriteNumber("written", status.FramesWritten);
        json.WriteEndObject();

        json.WriteStartObject("capture");
        json.WriteNumber("received", status.Capture.Received);
        json.WriteNumber("dropped_by_kernel", status.Capture.DroppedByKernel);
        json.WriteNumber("dropped_by_interface", status.Capture.DroppedByInterface);
        json.WriteEndObject();

        json.WriteStartObject("rates");
        json.WriteNumber("interval", Math.Round(census.IntervalSeconds, 3));
        WriteCounts(json, census.Rates, round: true);
        json.WriteEndObject();
        json.WriteStartObject("totals");
        WriteCounts(json, census.Totals, round: false);
        json.WriteEndObject();

        json.WriteStartObject("connections");
        json.WriteNumber("tracked", status.ConnectionsTracked);
        json.WriteNumber("total", status.ConnectionsCreated);
        json.WriteEndObject();
        WriteStates(json, "orig_state", census.OriginatorStates);
        WriteStates(json, "resp_state", census.ResponderStates);

        json.WriteStartArray("listeners");
        foreach (var listener in census.Listeners)
        {
            json.WriteStartObject();
            json.WriteString("endpoint", listener.Endpoint.ToString());
            json.WriteNumber("total", listener.Total);
            WriteStates(json, "states", listener.States);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteNumber("time_wait", census.TimeWait);
        json.WriteStartArray("time_wait_by_host");
        foreach (var host in census.TimeWaitByHost)
        {
            json.WriteStartObject();
            json.WriteString("host", host.Host.ToString());
            json.WriteNumber("count", host.Count);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteNumber("close_wait", census.CloseWait);
        WriteLingering(json, "oldest_close_wait", census.OldestCloseWait);
        json.WriteNumber("fin_wait_2", census.FinWait2);
        WriteLingering(json, "oldest_fin_wait_2", census.OldestFinWait2);
        json.WriteNumber("anomalies", census.AlertsRaised);
        json.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter json, SegmentCounts counts, bool round)
    {
        json.WriteNumber("segments", round ? Math.Round(counts.Segments, 1) : counts.Segments);
        json.WriteNumber("syn", round ? Math.Round(counts.Syn, 1) : counts.Syn);
        json.WriteNumber("syn_ack", round ? Math.Round(counts.SynAck, 1) : counts.SynAck);
        json.WriteNumber("rst", round ? Math.Round(counts.Rst, 1) : counts.Rst);
        json.WriteNumber("fin", round ? Math.Round(counts.Fin, 1) : counts.Fin);
    }

    private static void WriteStates(Utf8JsonWriter json, string name, IReadOnlyList<long> states)
    {
        json.WriteStartObject(name);
        for (int i = 0; i < states.Count; i++)
            if (states[i] != 0)
                json.WriteNumber(((RfcState)i).ToRfcName(), states[i]);
        json.WriteEndObject();
    }

    private static void WriteLingering(Utf8JsonWriter json, string name, IReadOnlyList<LingeringEndpoint> endpoints)
    {
        json.WriteStartArray(name);
        foreach (var endpoint in endpoints)
        {
            json.WriteStartObject();
            json.WriteString("endpoint", endpoint.Local.ToString());
            json.WriteString("peer", endpoint.Peer.ToString());
            json.WriteString("side", endpoint.IsOriginator ? "orig" : "resp");
            RecordFields.WriteTime(json, JsonNames.Since, endpoint.Since);
            json.WriteNumber("age", Math.Round(endpoint.AgeSeconds, 3));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

}
