using System.CommandLine;
using TcpState.Cli.Commands;

namespace TcpState.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        InterruptSignal.RestoreDefault();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Explain what is being done on stderr", Recursive = true };
        var root = new RootCommand("tcpstate: passive TCP connection-state analysis — both endpoints' RFC 9293 states, Zeek-compatible records")
        {
            verbose,
            ReadCommand.Create(),
            CheckCommand.Create(),
            ExplainCommand.Create(),
            LiveCommand.Create(),
            InterfacesCommand.Create(),
        };

        var result = root.Parse(args);
        Diagnostics.Configure(result.GetValue(verbose));
        if (result.Errors.Count > 0)
        {
            // One line for the first problem, as tcpdump does; --help lists the rest of the usage.
            Diagnostics.Error($"{OneLine(result.Errors[0].Message)} (see 'tcpstate {CommandPath(result)}--help')");
            return ExitCodes.UsageOrInput;
        }
        try
        {
            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UserFacingException e)
        {
            Diagnostics.Error(e.Message);
            return ExitCodes.UsageOrInput;
        }
        catch (IOException e)
        {
            Diagnostics.Error($"I/O error: {e.Message}");
            return ExitCodes.UsageOrInput;
        }
        finally
        {
            Serilog.Log.CloseAndFlush();
        }
    }

    /// <summary>System.CommandLine lists allowed values on separate lines; stderr gets one line per problem.</summary>
    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string CommandPath(ParseResult result)
    {
        var name = result.CommandResult.Command.Name;
        return result.CommandResult.Command is RootCommand ? "" : name + " ";
    }
}
