using System.CommandLine;
using System.Text;
using System.Text.Json;
using TcpState.Capture.Live;
using TcpState.Cli.Live;
using TcpState.Cli.Output;

namespace TcpState.Cli.Commands;

/// <summary><c>tcpstate interfaces</c>: the devices live capture can use, numbered as tcpdump -D numbers them.</summary>
internal static class InterfacesCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format", "-f")
        {
            Description = "text (default, as tcpdump -D), or json: one object per line",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("interfaces", "List the interfaces 'live' can capture on, with their addresses and flags (as tcpdump -D)")
        {
            format,
        };
        command.SetAction(result => Run(result.GetValue(format) == "json"));
        return command;
    }

    private static int Run(bool json)
    {
        IReadOnlyList<CaptureDevice> devices;
        try
        {
            devices = CaptureDevices.List();
        }
        catch (CaptureException e)
        {
            throw new UserFacingException(CaptureMessages.Describe(e, device: null));
        }

        using var stdout = Console.OpenStandardOutput();
        if (json)
            WriteJson(stdout, devices);
        else
            stdout.Write(Encoding.UTF8.GetBytes(Render(devices)));
        return ExitCodes.Ok;
    }

    /// <summary>"1. eth0 [Up, Running, Connected]" and the addresses indented below, as tcpdump -D plus addresses.</summary>
    public static string Render(IReadOnlyList<CaptureDevice> devices)
    {
        var text = new StringBuilder();
        for (int i = 0; i < devices.Count; i++)
        {
            var device = devices[i];
            text.Append($"{i + 1}. {device.Name}");
            if (device.Description is { Length: > 0 } description)
                text.Append($" ({description})");
            text.AppendLine($" [{device.DescribeFlags()}]");
            if (device.Addresses.Count > 0)
                text.AppendLine($"     {string.Join(", ", device.Addresses)}");
        }
        return text.ToString();
    }

    private static void WriteJson(Stream output, IReadOnlyList<CaptureDevice> devices)
    {
        using var json = new Utf8JsonWriter(output, JsonText.Options());
        for (int i = 0; i < devices.Count; i++)
        {
            var device = devices[i];
            json.WriteStartObject();
            json.WriteString("record", "interface");
            json.WriteNumber("index", i + 1);
            json.WriteString("name", device.Name);
            if (device.Description is not null) json.WriteString("description", device.Description);
            json.WriteStartArray("flags");
            foreach (var flag in device.DescribeFlags().Split(", "))
                if (flag != "none")
                    json.WriteStringValue(flag.ToLowerInvariant());
            json.WriteEndArray();
            json.WriteStartArray("addresses");
            foreach (var address in device.Addresses)
                json.WriteStringValue(address.ToString());
            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            output.Write("\n"u8);
            json.Reset(output);
        }
    }
}
