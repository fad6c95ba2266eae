using VaeGpu.Cli.Commands;

namespace VaeGpu.Tests.Commands;

/// <summary>Runs the CLI in-process with captured, non-terminal output.</summary>
internal sealed class CliHarness
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    public string Output => _out.ToString();
    public string Error => _error.ToString();

    public int Run(params string[] args)
    {
        _out.GetStringBuilder().Clear();
        _error.GetStringBuilder().Clear();
        var console = new CliConsole(_out, _error, isTerminal: false);
        return new CliApp(BuiltInCommands.Create(console), console).Run(args);
    }

    /// <summary>Asserts a user mistake: the exit code, and one line "error: ..." that says <paramref name="mustSay"/>.</summary>
    public void AssertUserError(int exitCode, string mustSay, params string[] args)
    {
        int code = Run(args);
        Assert.True(code == exitCode, $"exit code {code}, expected {exitCode}; stderr: {Error}");
        string[] lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(mustSay, lines[0], StringComparison.Ordinal);
    }
}
