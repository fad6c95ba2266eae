using Microsoft.Extensions.Configuration;
using VaeGpu.Cli.Configuration;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "VERB --help": usage, every switch with its configuration key and its default as the configuration
/// now resolves it (appsettings.json, then VAEGPU__* variables), and one example.
/// </summary>
public static class VerbHelp
{
    public static readonly string[] HelpWords = ["--help", "-h", "-?"];

    public static bool Asked(IEnumerable<string> args) => args.Any(a => HelpWords.Contains(a, StringComparer.OrdinalIgnoreCase));

    public static void Print(ICommand command, TextWriter output)
    {
        CommandSwitches switches = command.Switches;
        output.WriteLine($"usage: VaeGpu.Cli {command.Name}{(switches.All.Count > 0 ? " [options]" : "")}");
        output.WriteLine();
        output.WriteLine(command.Summary);
        if (switches.All.Count > 0)
        {
            IConfigurationRoot defaults = ConfigurationLoader.Build(switches, []);
            output.WriteLine();
            output.WriteLine("options:");
            int width = switches.All.Max(s => s.Name.Length);
            foreach (CommandSwitches.Switch option in switches.All)
            {
                string setting = option.Key is null ? "" : $" [{option.Key}]";
                string value = option.Default ?? (option.Key is null ? null : defaults[option.Key]) ?? "none";
                output.WriteLine($"  {option.Name.PadRight(width)}  {option.Help}{setting} (default: {value})");
            }
            if (switches.Map.Count > 0)
                output.WriteLine($"  {"--Section:Key=value".PadRight(width)}  any setting of appsettings.json");
        }
        output.WriteLine($"  {"--help".PadRight(Math.Max(6, switches.All.Select(s => s.Name.Length).DefaultIfEmpty(6).Max()))}  show this text");
        if (ReferenceEquals(switches, CommandSwitches.Train))
        {
            output.WriteLine();
            output.WriteLine("The run's config.json keeps every setting for later resumes except those of this invocation only:");
            output.WriteLine($"  {string.Join(", ", Runs.InvocationSettings.Sections.Select(s => s is "Device" ? s : s + ":*").Concat(Runs.InvocationSettings.Keys))}.");
        }
        output.WriteLine();
        output.WriteLine("example:");
        output.WriteLine($"  VaeGpu.Cli {switches.Example}");
    }
}
