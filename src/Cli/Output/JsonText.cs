using System.Text.Encodings.Web;
using System.Text.Json;

namespace TcpState.Cli.Output;

/// <summary>
/// How every JSON output escapes text: only what JSON itself requires (quotes, backslashes, control characters). The
/// default encoder also escapes what matters inside HTML — '+', the apostrophe, non-ASCII — and no output here goes
/// into a page. It wrote a Community ID's '+' as \u002B, so grepping for an ID copied from Zeek or Suricata missed
/// about a third of them, and "peer's" came out as "peer\u0027s".
/// </summary>
internal static class JsonText
{
    public static JsonWriterOptions Options(bool indented = false, bool skipValidation = false) =>
        new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = indented, SkipValidation = skipValidation };
}
