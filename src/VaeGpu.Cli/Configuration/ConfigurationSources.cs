using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace VaeGpu.Cli.Configuration;

/// <summary>Which source set a key, in words a user can act on ("environment variable VAEGPU__X__Y").</summary>
internal static class ConfigurationSources
{
    public enum Origin { None, File, BaseJson, Environment, CommandLine, Other }

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
