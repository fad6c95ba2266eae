using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// Picks the verb from the first argument and runs it. A user mistake prints one line
/// "error: message" and exits with its code; anything else prints one line and exits 1, with the
/// stack trace only when VAEGPU_DEBUG=1 (a stack trace tells a user nothing they can fix).
/// </summary>
public sealed class CliApp(CommandRegistry registry, CliConsole console)
{
    public const int Success = 0;
    public const int InternalError = 1;
    public const string DebugVariable = "VAEGPU_DEBUG";

    private static readonly string[] HelpWords = ["help", "--help", "-h", "-?"];

    public int Run(string[] args)
    {
        ConfigurationSources.Bound = null;
        try
        {
            if (args.Length == 0 || HelpWords.Contains(args[0], StringComparer.OrdinalIgnoreCase))
            {
                PrintUsage();
                return Success;
            }
            if (!registry.TryGet(args[0], out ICommand? command))
                throw new UserInputException($"unknown command '{args[0]}'{Suggestions.DidYouMean(args[0], CommandNames())} (commands: {string.Join(", ", CommandNames())})");
            if (VerbHelp.Asked(args[1..]))
            {
                VerbHelp.Print(command, console.Out);
                return Success;
            }
            return command.Run(args[1..]);
        }
        catch (ConfigException e) when (!e.Message.Contains(" (from ", StringComparison.Ordinal))
        {
            // A value refused after binding (a range, a file it names): say where it was set, as a parse error does.
            console.Error.WriteLine($"error: {OneLine(e.Message)}{ConfigurationSources.FromWhere(e.Key)}");
            return e.ExitCode;
        }
        catch (UserInputException e)
        {
            console.Error.WriteLine($"error: {OneLine(e.Message)}");
            return e.ExitCode;
        }
        catch (Exception e) when (VaeGpu.Io.IoFailure.IsIo(e))
        {
            // A file-system failure that no verb turned into a user error (a path outside the run
            // directory, a disk that filled up mid-run) is still the user's to fix, not a crash:
            // one line with .NET's text, which names the path, and the reason in plain words.
            console.Error.WriteLine($"error: {OneLine(e.Message)} ({VaeGpu.Io.IoFailure.Reason(e)})");
            return 2;
        }
        catch (Exception e)
        {
            console.Error.WriteLine($"error: {e.GetType().Name}: {OneLine(e.Message)}");
            if (Environment.GetEnvironmentVariable(DebugVariable) == "1")
                console.Error.WriteLine(e.ToString());
            return InternalError;
        }
    }

    private IEnumerable<string> CommandNames() => registry.Commands.Select(c => c.Name).Append("help");

    private void PrintUsage()
    {
        TextWriter output = console.Out;
        output.WriteLine("usage: VaeGpu.Cli COMMAND [options]");
        output.WriteLine();
        output.WriteLine("commands:");
        int width = CommandNames().Max(name => name.Length);
        foreach (ICommand command in registry.Commands)
            output.WriteLine($"  {command.Name.PadRight(width)}  {command.Summary}");
        output.WriteLine($"  {"help".PadRight(width)}  Show this text.");
        output.WriteLine();
        output.WriteLine("VaeGpu.Cli COMMAND --help shows a command's options, their defaults and an example.");
        output.WriteLine("Settings come from appsettings.json, VAEGPU__Section__Key environment variables and");
        output.WriteLine("--Section:Key=value options, each overriding the one before. Set VAEGPU_DEBUG=1 for stack traces.");
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
