using VaeGpu.Configuration;

namespace VaeGpu.Cli.Configuration;

/// <summary>
/// Checks the shape of a verb's arguments before the command-line configuration provider reads them.
/// That provider silently skips what it does not understand (a stray word, a single-dash switch, a
/// switch with no value after it), and a skipped argument is a setting the user believes is in force.
/// </summary>
internal static class CommandLineArguments
{
    public static void Check(IReadOnlyList<string> args, CommandSwitches switches)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                string what = arg.StartsWith('-') ? "unknown option" : "unexpected argument";
                throw new UserInputException($"{what} '{arg}'{Suggestions.DidYouMean(arg, switches.Names)} ({switches.Describe()})");
            }
            int equals = arg.IndexOf('=');
            string name = equals < 0 ? arg : arg[..equals];
            if (name.Length == 2)
                throw new UserInputException($"unexpected argument '{arg}' ({switches.Describe()})");
            if (equals >= 0)
                continue;
            // Like the provider, the next argument is the value whatever it looks like ("--beta -1").
            if (i + 1 >= args.Count)
                throw new UserInputException($"option {arg} needs a value ({switches.Describe()})");
            i++;
        }
    }
}
