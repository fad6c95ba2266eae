namespace VaeGpu;

// At the core's root, not in Configuration/: Data, Io, Training and Accelerators all report user
// mistakes, and importing Configuration for it made them depend on the namespace that depends on them.
/// <summary>
/// A user mistake in the configuration, the command line or an input file. Its message is one line
/// that names the key, file or value; the CLI prints it and exits with <see cref="ExitCode"/>.
/// </summary>
public class UserInputException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

