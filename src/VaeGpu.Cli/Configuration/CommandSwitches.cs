namespace VaeGpu.Cli.Configuration;

/// <summary>
/// The short switches a verb accepts and the configuration key each one sets. Any setting can also be
/// given in the generic form --Section:Key=value (or --Section:Key value), whatever the verb.
/// </summary>
public sealed class CommandSwitches
{
    public static CommandSwitches Train { get; } = new("train",
        ("--device", "Device"),
        ("--data", "Data:Dir"),
        ("--test", "Data:Test"),
        ("--out", "Run:Out"),
        ("--epochs", "Training:Epochs"),
        ("--batch-size", "Training:BatchSize"),
        ("--lr", "Training:LearningRate"),
        ("--hidden", "Model:Hidden"),
        ("--latent", "Model:Latent"),
        ("--activation", "Model:Activation"),
        ("--likelihood", "Model:Likelihood"),
        ("--beta", "Training:Beta"),
        ("--warmup-steps", "Training:WarmupSteps"),
        ("--seed", "Training:Seed"),
        ("--resume", "Run:Resume"),
        ("--exclude-class", "Training:ExcludeClass"));

    public static CommandSwitches Eval { get; } = new("eval",
        ("--run", "Run:Dir"),
        ("--data", "Data:Dir"),
        ("--device", "Device"),
        ("--iw", "Analysis:ImportanceSamples"),
        ("--out", "Sample:Out"));

    public static CommandSwitches Sample { get; } = new("sample",
        ("--run", "Run:Dir"),
        ("--count", "Sample:Count"),
        ("--out", "Sample:Out"),
        ("--device", "Device"));

    public static CommandSwitches Reconstruct { get; } = new("reconstruct",
        ("--run", "Run:Dir"),
        ("--count", "Sample:Count"),
        ("--out", "Sample:Out"),
        ("--device", "Device"),
        ("--noise", "Analysis:Noise"),
        ("--input", "Data:Input"));

    /// <summary>interpolate also takes the flag --spherical, which the verb turns into --Analysis:Path=spherical.</summary>
    public static CommandSwitches Interpolate { get; } = new("interpolate",
        ("--run", "Run:Dir"),
        ("--from", "Analysis:From"),
        ("--to", "Analysis:To"),
        ("--steps", "Analysis:Steps"),
        ("--out", "Sample:Out"),
        ("--data", "Data:Dir"),
        ("--device", "Device"));

    public static CommandSwitches Latents { get; } = new("latents",
        ("--run", "Run:Dir"),
        ("--out", "Sample:Out"),
        ("--data", "Data:Dir"),
        ("--input", "Data:Input"),
        ("--device", "Device"));

    public static CommandSwitches Score { get; } = new("score",
        ("--run", "Run:Dir"),
        ("--data", "Data:Dir"),
        ("--input", "Data:Input"),
        ("--iw", "Analysis:ScoreImportanceSamples"),
        ("--threshold", "Analysis:Threshold"),
        ("--out", "Sample:Out"),
        ("--device", "Device"));

    public CommandSwitches(string verb, params (string Switch, string Key)[] switches)
    {
        Verb = verb;
        Map = switches.ToDictionary(s => s.Switch, s => s.Key, StringComparer.OrdinalIgnoreCase);
        Names = switches.Select(s => s.Switch).ToArray();
    }

    public string Verb { get; }

    /// <summary>Switch ("--epochs") → configuration key ("Training:Epochs"), in the form AddCommandLine takes.</summary>
    public IReadOnlyDictionary<string, string> Map { get; }

    /// <summary>The switches in the order they are documented.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>"train takes --device, --data, ... or any setting as --Section:Key=value", for error messages.</summary>
    public string Describe() => $"{Verb} takes {string.Join(", ", Names)} or any setting as --Section:Key=value";
}
