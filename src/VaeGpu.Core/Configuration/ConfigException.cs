namespace VaeGpu.Configuration;

/// <summary>
/// A user mistake in the configuration, the command line or an input file. Its message is one line
/// that names the key, file or value; the CLI prints it and exits with <see cref="ExitCode"/>.
/// </summary>
public class UserInputException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>A configuration key with a bad value: "Training:BatchSize = 0: must be at least 1".</summary>
public sealed class ConfigException(string key, string? value, string reason)
    : UserInputException($"{key} = {(value is null ? "(missing)" : $"'{value}'")}: {reason}")
{
    public string Key { get; } = key;
}
