using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace VaeGpu.Cli.Configuration;

/// <summary>Which source set a key, in words a user can act on ("environment variable VAEGPU__X__Y").</summary>
internal static class ConfigurationSources
{
    public enum Origin { None, File, BaseJson, Environment, CommandLine, Other }

    // The configuration the running command bound last. OptionsValidator (in Core) checks ranges after
    // binding and sees only values, so CliApp names a refused value's source from this. AsyncLocal, not
    // a static, so that commands run side by side in one process (the tests) each see their own.
    private static readonly AsyncLocal<IConfigurationRoot?> BoundRoot = new();

    /// <summary>The configuration the running command bound last, or null before it bound any.</summary>
    public static IConfigurationRoot? Bound
    {
        get => BoundRoot.Value;
        set => BoundRoot.Value = value;
    }

    /// <summary>" (from environment variable VAEGPU__X__Y)" for a key the bound configuration holds, else "".</summary>
    public static string FromWhere(string key)
    {
        if (Bound is not { } root || OriginOf(root, key, out string description) == Origin.None)
            return "";
        return $" (from {description})";
    }

    /// <summary>The source whose value is in force: the last provider that has the key.</summary>
    public static Origin OriginOf(IConfigurationRoot root, string key, out string description)
    {
        foreach (IConfigurationProvider provider in root.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _))
                continue;
            switch (provider)
            {
                case CommandLineConfigurationProvider:
                    description = "the command line";
                    return Origin.CommandLine;
                case EnvironmentVariablesConfigurationProvider:
                    description = $"environment variable {ConfigurationLoader.EnvironmentPrefix}{key.Replace(":", "__", StringComparison.Ordinal)}";
                    return Origin.Environment;
                case JsonConfigurationProvider file:
                    description = file.Source.FileProvider?.GetFileInfo(file.Source.Path ?? "").PhysicalPath ?? file.Source.Path ?? "a JSON file";
                    return Origin.File;
                case StreamConfigurationProvider { Source: NamedJsonStreamSource named }:
                    description = named.Name;
                    return Origin.BaseJson;
                default:
                    description = provider.ToString() ?? "a configuration source";
                    return Origin.Other;
            }
        }
        description = "nowhere";
        return Origin.None;
    }

    /// <summary>The source of <paramref name="key"/>, phrased to follow "set by" / "from".</summary>
    public static string Describe(IConfigurationRoot root, string key)
    {
        OriginOf(root, key, out string description);
        return description;
    }
}
