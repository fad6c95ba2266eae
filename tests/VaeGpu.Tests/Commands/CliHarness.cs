using VaeGpu.Cli;
using VaeGpu.Cli.Commands;
using VaeGpu.Cli.Runs;
using VaeGpu.Io;

namespace VaeGpu.Tests.Commands;

/// <summary>Runs the CLI in-process with captured, non-terminal output.</summary>
/// <param name="stop">For train and eval: a scripted stop in place of SIGINT/SIGTERM, which a test cannot send to its own process safely.</param>
internal sealed class CliHarness(Func<StopSignal>? stop = null)
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
        CommandRegistry registry = BuiltInCommands.Create(console);
        if (stop is not null)
        {
            var withStop = new CommandRegistry().Add(new TrainCommand(console, stop)).Add(new EvalCommand(console, stop));
            foreach (ICommand command in registry.Commands.Where(c => c.Name is not ("train" or "eval"))) withStop.Add(command);
            registry = withStop;
        }
        return new CliApp(registry, console).Run(args);
    }

    /// <summary>
    /// Asserts a user mistake: the exit code, and one line "error: ..." that says <paramref name="mustSay"/>,
    /// with no stack trace anywhere in the output.
    /// </summary>
    public void AssertUserError(int exitCode, string mustSay, params string[] args)
    {
        int code = Run(args);
        Assert.True(code == exitCode, $"exit code {code}, expected {exitCode}; stderr: {Error}");
        string[] lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(mustSay, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Error + Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", lines[0], StringComparison.Ordinal);
    }

    /// <summary>
    /// Trains a small model on <paramref name="data"/> and expects a one-line user error (exit 2) that
    /// says each of <paramref name="mustSay"/>, with no directory left at <paramref name="run"/>.
    /// </summary>
    public void AssertTrainFails(string data, string run, string[] extra, params string[] mustSay)
    {
        AssertUserError(2, mustSay[0], ["train", "--device", "cpu", "--data", data, "--epochs", "1", "--hidden", "8", "--latent", "2", "--out", run, .. extra]);
        foreach (string text in mustSay) Assert.Contains(text, Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run), "a failed run must leave no run directory");
    }

    /// <summary>
    /// Every file under <paramref name="directory"/> with its bytes, to compare a run before and after a
    /// command that must not touch it. The lock files are left out: they are the lock, not the run.
    /// </summary>
    public static SortedDictionary<string, byte[]> Snapshot(string directory) =>
        new(Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
                .Where(path => Path.GetFileName(path) is not (RunLock.LockFileName or RunLock.OwnerFileName))
                .ToDictionary(path => Path.GetRelativePath(directory, path), File.ReadAllBytes),
            StringComparer.Ordinal);

    public static void AssertUnchanged(SortedDictionary<string, byte[]> before, string directory)
    {
        SortedDictionary<string, byte[]> after = Snapshot(directory);
        Assert.Equal(before.Keys, after.Keys);
        foreach ((string name, byte[] bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
    }
}
