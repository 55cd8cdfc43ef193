using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Explain;

/// <summary>
/// Which connection the user asked for: a uid (<c>C</c> and 17 letters or digits, as in the records), a Community ID
/// (<c>1:</c> and base64), or an endpoint pair <c>A:port-B:port</c> (IPv6 in brackets), matched in either
/// direction. A uid names one connection; a Community ID or an endpoint pair can name several when the 4-tuple was
/// reused.
/// </summary>
public sealed partial class ConnectionSelector
{
    private readonly (IpAddress Address, ushort Port) _first, _second;

    private ConnectionSelector(SelectorKind kind, string text)
    {
        Kind = kind;
        Text = text;
    }

    private ConnectionSelector(string text, (IpAddress, ushort) first, (IpAddress, ushort) second)
        : this(SelectorKind.EndpointPair, text)
    {
        _first = first;
        _second = second;
    }

    public SelectorKind Kind { get; }

    /// <summary>What the user typed.</summary>
    public string Text { get; }

    public const string Usage = "a uid (C + 17 letters or digits), a Community ID (1:...), or an endpoint pair A:port-B:port";

    public static bool TryParse(string text, out ConnectionSelector? selector, out string? error)
    {
        selector = null;
        error = null;
        text = text.Trim();
        if (UidPattern().IsMatch(text))
            selector = new ConnectionSelector(SelectorKind.Uid, text);
        else if (text.StartsWith("1:", StringComparison.Ordinal) && text.Length > 2)
            selector = new ConnectionSelector(SelectorKind.CommunityId, text);
        else
        {
            var parts = text.Split('-');
            if (parts.Length == 2 && TryParseEndpoint(parts[0].Trim(), out var first) && TryParseEndpoint(parts[1].Trim(), out var second))
                selector = new ConnectionSelector(text, first, second);
            else
                error = $"--conn '{text}': expected {Usage}";
        }
        return selector is not null;
    }

    public bool Matches(ConnectionIdentity connection) => Kind switch
    {
        SelectorKind.Uid => connection.Uid == Text,
        SelectorKind.CommunityId => connection.CommunityId == Text,
        _ => IsEndpoint(_first, connection.OriginatorAddress, connection.OriginatorPort) &&
             IsEndpoint(_second, connection.ResponderAddress, connection.ResponderPort) ||
             IsEndpoint(_second, connection.OriginatorAddress, connection.OriginatorPort) &&
             IsEndpoint(_first, connection.ResponderAddress, connection.ResponderPort),
    };

    public override string ToString() => Text;

    private static bool IsEndpoint((IpAddress Address, ushort Port) endpoint, IpAddress address, ushort port) =>
        endpoint.Address == address && endpoint.Port == port;

    /// <summary>"10.0.0.1:80" or "[fd00::1]:80": an address without brackets and with several colons is ambiguous.</summary>
    private static bool TryParseEndpoint(string text, out (IpAddress, ushort) endpoint)
    {
        endpoint = default;
        string host, port;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0) return false;
            host = text[1..close];
            port = text[(close + 2)..];
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon <= 0 || text.IndexOf(':') != colon) return false;
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        if (!IPAddress.TryParse(host, out var address) ||
            address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) ||
            !ushort.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            return false;
        endpoint = (IpAddress.Parse(address.ToString()), number);
        return true;
    }

    [GeneratedRegex("^C[0-9A-Za-z]{17}$")]
    private static partial Regex UidPattern();
}

public enum SelectorKind : byte
{
    Uid,
    CommunityId,
    EndpointPair,
}
