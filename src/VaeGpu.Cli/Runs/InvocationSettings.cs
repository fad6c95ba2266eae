using System.Text.Json.Nodes;

namespace VaeGpu.Cli.Runs;

/// <summary>
/// The settings that say how one command runs, not what the run is: where it computes, how often it
/// reports or checkpoints, which kernel versions it launches (all give the same bits), and the analysis
/// verbs' own switches. They never enter a run's config.json, so a one-off `--checkpoint-every 1` or
/// `--device cuda:1` on a resume applies to that resume alone; every other setting (data, model,
/// training) persists with the run and a resume keeps it unless the command line overrides it.
/// </summary>
public static class InvocationSettings
{
    /// <summary>Top-level settings and whole sections that apply to one invocation.</summary>
    public static readonly string[] Sections = ["Device", "Kernels", "Run", "Sample", "Analysis"];

    /// <summary>Single keys inside persisted sections that apply to one invocation.</summary>
    public static readonly string[] Keys =
    [
        "Data:Input",
        "Training:ReportEvery",
        "Training:CudaGraphs",
        "Training:EvalBatchSize",
        "Training:CheckpointEverySteps",
    ];

    /// <summary>Whether <paramref name="key"/> ("Training:ReportEvery", "Device") applies to one invocation only.</summary>
    public static bool Contains(string key) =>
        Keys.Contains(key, StringComparer.OrdinalIgnoreCase)
        || Sections.Any(s => key.Equals(s, StringComparison.OrdinalIgnoreCase) || key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Removes the per-invocation settings from a config.json tree: from what train writes, and from what
    /// a resume or an analysis verb reads (a run saved before this rule existed still holds them).
    /// </summary>
    public static void RemoveFrom(JsonObject root)
    {
        foreach (string name in root.Select(pair => pair.Key).ToList())
        {
            if (Contains(name))
            {
                root.Remove(name);
                continue;
            }
            if (root[name] is not JsonObject section) continue;
            foreach (string inner in section.Select(pair => pair.Key).Where(inner => Contains($"{name}:{inner}")).ToList())
                section.Remove(inner);
        }
    }
}
