using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using VaeGpu.Configuration;

namespace VaeGpu.Cli.Configuration;

/// <summary>
/// Builds a verb's configuration from, in increasing precedence: appsettings.json beside the executable,
/// the run's saved config.json (on resume and for the analysis verbs), VAEGPU__Section__Key environment variables,
/// and the command line (the verb's switches and --Section:Key=value); then binds it to
/// <see cref="VaeGpuOptions"/>. Every user mistake comes out as a one-line <see cref="UserInputException"/>.
/// </summary>
public static class ConfigurationLoader
{
    public const string EnvironmentPrefix = "VAEGPU__";
    public const string SettingsFileName = "appsettings.json";

    public static string SettingsFilePath => Path.Combine(AppContext.BaseDirectory, SettingsFileName);

    /// <summary>Loads and binds the options with appsettings.json as the base.</summary>
    public static VaeGpuOptions Load(CommandSwitches switches, IReadOnlyList<string> args) =>
        Bind(Build(switches, args), switches);

    /// <summary>
    /// Loads and binds the options with <paramref name="baseJson"/> (a run's saved config.json) over
    /// appsettings.json, so a resumed run keeps its settings unless the environment or command line override
    /// them; what config.json does not hold (the per-invocation settings) comes from appsettings.json.
    /// </summary>
    public static VaeGpuOptions Load(CommandSwitches switches, IReadOnlyList<string> args, string baseJson, string baseName = "the saved config.json") =>
        Bind(Build(switches, args, baseJson, baseName), switches);

    public static IConfigurationRoot Build(CommandSwitches switches, IReadOnlyList<string> args)
    {
        // Optional: without the file the code defaults apply, and they are the same values.
        var builder = new ConfigurationBuilder().AddJsonFile(SettingsFilePath, optional: true, reloadOnChange: false);
        return Finish(builder, switches, args, SettingsFilePath);
    }

    public static IConfigurationRoot Build(CommandSwitches switches, IReadOnlyList<string> args, string baseJson, string baseName = "the saved config.json")
    {
        var builder = new ConfigurationBuilder().AddJsonFile(SettingsFilePath, optional: true, reloadOnChange: false).Add(new NamedJsonStreamSource
        {
            Stream = new MemoryStream(Encoding.UTF8.GetBytes(baseJson)),
            Name = baseName,
        });
        return Finish(builder, switches, args, baseName);
    }

    /// <summary>Binds <paramref name="root"/>, refusing unknown keys and values of the wrong type.</summary>
    public static VaeGpuOptions Bind(IConfigurationRoot root, CommandSwitches switches)
    {
        ConfigurationChecker.Check(root, switches);
        ConfigurationSources.Bound = root;
        var options = new VaeGpuOptions();
        try
        {
            root.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The checker should have caught this already; the binder's text is the best we have left.
            throw new UserInputException($"the configuration could not be read: {OneLine(e.Message)}");
        }
        return options;
    }

    /// <summary>The options as indented JSON with the configuration's own key names, readable by <see cref="Load(CommandSwitches, IReadOnlyList{string}, string, string)"/>.</summary>
    public static string ToJson(VaeGpuOptions options) => JsonSerializer.Serialize(options, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        // No naming policy: the keys keep the configuration's PascalCase, so the file reads like
        // appsettings.json and binds back without a mapping.
        WriteIndented = true,
    };

    private static IConfigurationRoot Finish(IConfigurationBuilder builder, CommandSwitches switches, IReadOnlyList<string> args, string baseName)
    {
        CommandLineArguments.Check(args, switches);
        builder.AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(args.ToArray(), new Dictionary<string, string>(switches.Map, StringComparer.OrdinalIgnoreCase));
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or JsonException)
        {
            throw new UserInputException($"{baseName} is not valid JSON: {OneLine(e.GetBaseException().Message)}");
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
