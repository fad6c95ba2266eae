using System.Text.Json.Nodes;
using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;
using VaeGpu.Io;

namespace VaeGpu.Cli.Commands;

/// <summary>Options for verbs that continue or inspect an existing run.</summary>
public static class RunFiles
{
    /// <summary>
    /// Loads a verb's options. When the verb names an existing run (train --resume DIR, or --run DIR),
    /// the run's own config.json is layered over appsettings.json, so the run keeps the settings it
    /// was trained with; environment variables and the command line still override them.
    /// </summary>
    public static VaeGpuOptions LoadOptions(CommandSwitches switches, string[] args, bool resumeKey)
    {
        VaeGpuOptions plain = ConfigurationLoader.Load(switches, args);
        string key = resumeKey ? "Run:Resume" : "Run:Dir";
        string? runDir = resumeKey ? plain.Run.Resume : plain.Run.Dir;
        if (runDir is null) return plain;
        RunDirectory run = RunDirectory.Existing(runDir, key);
        if (!File.Exists(run.Config))
            throw new ConfigException(key, runDir, "not a run directory: it has no config.json");
        return ConfigurationLoader.Load(switches, args, WithoutRunSection(File.ReadAllText(run.Config), run.Config), run.Config);
    }

    /// <summary>
    /// A saved config.json as a base: without the per-invocation settings (<see cref="Runs.InvocationSettings"/>; a run
    /// saved before that rule still holds them) and without the Run section, since where the run lived is
    /// not a setting to inherit (the directory may have been moved since) and its Resume/Out values describe
    /// how it was started, not what is asked now.
    /// </summary>
    private static string WithoutRunSection(string json, string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new System.Text.Json.JsonDocumentOptions
            {
                CommentHandling = System.Text.Json.JsonCommentHandling.Skip,
            });
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UserInputException($"{path}: not valid JSON ({e.Message})");
        }
        if (root is not JsonObject settings) throw new UserInputException($"{path}: not a JSON object");
        Runs.InvocationSettings.RemoveFrom(settings);
        // The Resolved section is a record of what ran (Runs.RunRecord), not a setting.
        foreach (string name in settings.Select(pair => pair.Key)
                     .Where(name => name.Equals(Runs.RunRecord.SectionName, StringComparison.OrdinalIgnoreCase))
                     .ToList())
            settings.Remove(name);
        return settings.ToJsonString();
    }
}
