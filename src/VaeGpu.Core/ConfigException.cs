namespace VaeGpu;

/// <summary>A configuration key with a bad value: "Training:BatchSize = 0: must be at least 1".</summary>
public sealed class ConfigException(string key, string? value, string reason)
    : UserInputException($"{key} = {(value is null ? "(missing)" : $"'{value}'")}: {reason}")
{
    public string Key { get; } = key;
}
