using System.Text.Json;
using TcpState.Analysis;
using TcpState.Analysis.Connections;
using TcpState.Analysis.Zeek;
using TcpState.Capture.Decoding;

namespace TcpState.Cli.Output;

/// <summary>The run's summary as one JSON object (<c>"record": "summary"</c>).</summary>
internal static class SummaryJson
{
    public static void Write(Utf8JsonWriter json, RunReport report)
    {
        json.WriteStartObject();
        json.WriteString("record", "summary");
        json.WriteStartArray("inputs");
        foreach (var input in report.Inputs) json.WriteStringValue(input);
        json.WriteEndArray();

        var frames = report.Frames;
        json.WriteStartObject("frames");
        json.WriteNumber("read", frames.FramesRead);
        json.WriteNumber("tcp", frames.Tcp);
        json.WriteNumber("other_protocol", frames.OtherProtocol);
        json.WriteNumber("non_first_fragment", frames.NonFirstFragments);
        json.WriteNumber("truncated_by_snaplen", frames.TruncatedBySnaplen);
        json.WriteNumber("malformed", frames.Malformed);
        json.WriteNumber("unsupported_link_type", frames.UnsupportedLinkType);
        json.WriteStartObject("malformed_by_reason");
        foreach (var reason in Enum.GetValues<MalformedReason>())
            if (reason != MalformedReason.None && frames.MalformedBecause(reason) > 0)
                json.WriteNumber(SummaryText.ReasonName(reason), frames.MalformedBecause(reason));
        json.WriteEndObject();
        json.WriteNumber("ip_fragments", frames.IpFragments);
        json.WriteNumber("bad_tcp_checksums", frames.BadTcpChecksums);
        json.WriteBoolean("checksums_verified", report.ChecksumsVerified);
        json.WriteNumber("tcp_payload_truncated", frames.TcpPayloadTruncated);
        json.WriteNumber("tunneled", frames.Tunneled);
        json.WriteEndObject();

        var tracker = report.Tracker;
        json.WriteStartObject("connections");
        json.WriteNumber("total", report.Connections.Connections);
        json.WriteNumber("peak_tracked", tracker.PeakConnections);
        json.WriteNumber("evicted", tracker.ConnectionsFinished(FinishReason.Evicted));
        json.WriteNumber("port_reused", tracker.ConnectionsFinished(FinishReason.PortReused));
        json.WriteEndObject();

        json.WriteStartObject("conn_state");
        foreach (var state in Enum.GetValues<ConnState>())
            if (report.Connections.WithConnState(state) > 0)
                json.WriteNumber(state.ToString(), report.Connections.WithConnState(state));
        json.WriteEndObject();
        WriteStates(json, "orig_state", report.Connections.OriginatorsIn);
        WriteStates(json, "resp_state", report.Connections.RespondersIn);

        json.WriteStartObject("flags");
        foreach (var flag in report.Connections.Flags)
            if (report.Connections.WithFlag(flag) > 0)
                json.WriteNumber(RecordFields.FlagName(flag), report.Connections.WithFlag(flag));
        json.WriteEndObject();

        json.WriteStartObject("anomalies");
        foreach (var group in report.Anomalies.GroupBy(a => a.Id))
            json.WriteNumber(group.Key, group.Count());
        json.WriteEndObject();
        json.WriteStartObject("anomalies_not_listed");
        foreach (var (id, count) in report.AnomaliesNotListed.OrderBy(p => p.Key, StringComparer.Ordinal))
            json.WriteNumber(id, count);
        json.WriteEndObject();
        json.WriteNumber("detector_entries_forgotten", report.DetectorEntriesForgotten);
        if (report.Filter is { } filter)
        {
            json.WriteStartObject("filter");
            json.WriteString("expression", filter.Expression);
            json.WriteNumber("frames_examined", filter.FramesExamined);
            json.WriteNumber("frames_filtered_out", filter.FramesExamined - frames.FramesRead);
            json.WriteEndObject();
        }
        if (report.Capture is { } capture)
            WriteCapture(json, capture);

        json.WriteStartArray("errors");
        foreach (var problem in report.Problems) json.WriteStringValue(problem);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteCapture(Utf8JsonWriter json, LiveCaptureReport capture)
    {
        json.WriteStartObject("capture");
        json.WriteString("interface", capture.Device);
        if (capture.Filter is not null) json.WriteString("filter", capture.Filter);
        json.WriteNumber("link_type", (int)capture.LinkType);
        json.WriteNumber("snapshot_length", capture.SnapshotLength);
        json.WriteNumber("seconds", Math.Round(capture.Seconds, 3));
        json.WriteString("stop_reason", capture.StopReason);
        json.WriteNumber("received", capture.Statistics.Received);
        json.WriteNumber("dropped_by_kernel", capture.Statistics.DroppedByKernel);
        json.WriteNumber("dropped_by_interface", capture.Statistics.DroppedByInterface);
        if (capture.WritePath is not null)
        {
            json.WriteString("write_path", capture.WritePath);
            json.WriteNumber("frames_written", capture.FramesWritten);
        }
        json.WriteEndObject();
    }

    private static void WriteStates(Utf8JsonWriter json, string name, Func<RfcState, long> count)
    {
        json.WriteStartObject(name);
        foreach (var state in Enum.GetValues<RfcState>())
            if (count(state) > 0)
                json.WriteNumber(state.ToRfcName(), count(state));
        json.WriteEndObject();
    }
}
