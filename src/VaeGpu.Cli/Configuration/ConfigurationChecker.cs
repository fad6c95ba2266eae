using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Configuration;
using VaeGpu.Configuration;

namespace VaeGpu.Cli.Configuration;

/// <summary>
/// Finds unknown keys and values of the wrong type before binding, so that the user gets one line
/// naming the key, the value and where it came from instead of the binder's exception text.
/// </summary>
internal static class ConfigurationChecker
{
    public static void Check(IConfigurationRoot root, CommandSwitches switches)
    {
        foreach ((string key, string? value) in root.AsEnumerable().OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (OptionsSchema.TryGetLeaf(key, out OptionsSchema.Leaf? leaf))
            {
                if (value is not null && (Problem(leaf, value) ?? PathProblem(leaf, value)) is { } problem)
                    throw new ConfigException(leaf.Key, value, $"{problem} (from {ConfigurationSources.Describe(root, key)})");
            }
            else if (OptionsSchema.IsSectionKey(key))
            {
                if (!string.IsNullOrEmpty(value))
                    throw new ConfigException(key, value, $"is a section, not a value: set {key}:KEY ({OptionsSchema.KeysOf(key)})");
            }
            else
            {
                ThrowIfUnknownFromAnySource(root, key, switches);
            }
        }
    }

    private static void ThrowIfUnknownFromAnySource(IConfigurationRoot root, string key, CommandSwitches switches)
    {
        // A path no provider holds is only the parent of a deeper key, which is reported itself.
        ConfigurationSources.Origin origin = ConfigurationSources.OriginOf(root, key, out string source);
        switch (origin)
        {
            case ConfigurationSources.Origin.None:
                return;
            case ConfigurationSources.Origin.CommandLine when !key.Contains(':'):
                throw new UserInputException($"unknown option --{key}{Suggestions.DidYouMean("--" + key, switches.Names)} ({switches.Describe()})");
            case ConfigurationSources.Origin.CommandLine:
                throw new UserInputException($"unknown option --{key}{Suggestions.DidYouMean(key, OptionsSchema.Leaves.Select(l => l.Key))} ({Hint(key)})");
            case ConfigurationSources.Origin.Environment:
                throw new UserInputException($"unknown setting {source} ({Hint(key)})");
            default:
                throw new UserInputException($"unknown setting {key} in {source} ({Hint(key)})");
        }
    }

    private static string Hint(string key)
    {
        int colon = key.IndexOf(':');
        string? keys = colon > 0 ? OptionsSchema.KeysOf(key[..colon]) : null;
        return keys is null ? $"settings are {OptionsSchema.TopLevelNames()}" : $"{key[..colon]} has {keys}";
    }

    /// <summary>
    /// On Linux .NET decodes arguments and environment variables as UTF-8 and turns each byte it cannot
    /// decode into U+FFFD, so the name the user typed is lost: an existing file is then "not found" and
    /// a new one gets another name. Managed code cannot get the bytes back; the name is refused here,
    /// before any verb creates anything.
    /// </summary>
    private static string? PathProblem(OptionsSchema.Leaf leaf, string value) =>
        leaf.IsPath && value.Contains('\uFFFD')
            ? "the path is not valid UTF-8 (a byte the system could not decode became U+FFFD); rename it or use a UTF-8 name"
            : null;

    /// <summary>What is wrong with <paramref name="text"/> as the value of <paramref name="leaf"/>, or null; parses as the binder's converters do.</summary>
    private static string? Problem(OptionsSchema.Leaf leaf, string text)
    {
        Type type = leaf.Type;
        text = text.Trim();
        CultureInfo invariant = CultureInfo.InvariantCulture;
        if (type == typeof(string))
            return null;
        if (type == typeof(int))
        {
            if (int.TryParse(text, NumberStyles.Integer, invariant, out _))
                return null;
            // The key's own range, not int's: "from -2147483648" would invite a value the validator refuses.
            return BigInteger.TryParse(text, NumberStyles.Integer, invariant, out _)
                ? $"out of range ({WholeNumberRanges.Of(leaf.Key).Description})"
                : "not a whole number";
        }
        if (type == typeof(ulong))
        {
            if (ulong.TryParse(text, NumberStyles.Integer, invariant, out _))
                return null;
            return BigInteger.TryParse(text, NumberStyles.Integer, invariant, out _)
                ? $"out of range (a whole number from 0 to {ulong.MaxValue})"
                : "not a whole number";
        }
        if (type == typeof(bool))
            return bool.TryParse(text, out _) ? null : "not true or false";
        if (type == typeof(double))
            return double.TryParse(text, NumberStyles.Float, invariant, out _) ? null : "not a number";
        if (type == typeof(float))
            return float.TryParse(text, NumberStyles.Float, invariant, out _) ? null : "not a number";
        throw new NotSupportedException($"option type {type} has no value check; add one to {nameof(ConfigurationChecker)}");
    }
}
