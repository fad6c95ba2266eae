using System.Reflection;
using VaeGpu.Configuration;

namespace VaeGpu.Cli.Configuration;

/// <summary>
/// The configuration keys that <see cref="VaeGpuOptions"/> can bind, read off the option classes so
/// that a new property is known everywhere (unknown-key checks, messages, tests) without a second list.
/// Keys are case-insensitive, as in Microsoft.Extensions.Configuration.
/// </summary>
internal static class OptionsSchema
{
    /// <summary>A bindable value: its canonical key ("Training:Epochs"), its type, how to read it, and whether it is a path.</summary>
    public sealed record Leaf(string Key, Type Type, Func<VaeGpuOptions, object?> Read, bool IsPath = false);

    public static IReadOnlyList<Leaf> Leaves { get; } = CollectLeaves();

    /// <summary>The section names in declaration order ("Data", "Run", ...).</summary>
    public static IReadOnlyList<string> Sections { get; } =
        typeof(VaeGpuOptions).GetProperties().Where(p => IsSection(p.PropertyType)).Select(p => p.Name).ToArray();

    private static readonly Dictionary<string, Leaf> LeafByKey = Leaves.ToDictionary(l => l.Key, StringComparer.OrdinalIgnoreCase);

    public static bool TryGetLeaf(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Leaf? leaf) =>
        LeafByKey.TryGetValue(key, out leaf);

    public static bool IsSectionKey(string key) => Sections.Contains(key, StringComparer.OrdinalIgnoreCase);

    /// <summary>"Training" → "Epochs, BatchSize, ..."; null when there is no such section.</summary>
    public static string? KeysOf(string section)
    {
        string? canonical = Sections.FirstOrDefault(s => s.Equals(section, StringComparison.OrdinalIgnoreCase));
        if (canonical is null)
            return null;
        return string.Join(", ", Leaves.Where(l => l.Key.StartsWith(canonical + ":", StringComparison.Ordinal)).Select(l => l.Key[(canonical.Length + 1)..]));
    }

    /// <summary>The top-level names: plain settings and sections, e.g. "Device, Data, Run, ...".</summary>
    public static string TopLevelNames() => string.Join(", ", typeof(VaeGpuOptions).GetProperties().Select(p => p.Name));

    private static bool IsSection(Type type) => type.IsClass && type != typeof(string);

    private static Leaf[] CollectLeaves()
    {
        var leaves = new List<Leaf>();
        foreach (PropertyInfo top in typeof(VaeGpuOptions).GetProperties())
        {
            if (!IsSection(top.PropertyType))
            {
                leaves.Add(new Leaf(top.Name, top.PropertyType, options => top.GetValue(options)));
                continue;
            }
            foreach (PropertyInfo inner in top.PropertyType.GetProperties())
                leaves.Add(new Leaf($"{top.Name}:{inner.Name}", inner.PropertyType, options => inner.GetValue(top.GetValue(options)),
                    inner.IsDefined(typeof(PathSettingAttribute))));
        }
        return leaves.ToArray();
    }
}
