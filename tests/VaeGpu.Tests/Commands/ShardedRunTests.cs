using VaeGpu.Cli.Runs;
using VaeGpu.Io;
using VaeGpu.Tests.Configuration;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// train with Distributed:Shards through the CLI: the setting is recorded and reproducible, a resume that changes it
/// says so, and a value that does not divide the batch is a one-line user error (exit 2) with no run left behind.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class ShardedRunTests : IDisposable
{
    private static readonly string[] SmallModel = ["--data", "embedded", "--device", "cpu", "--hidden", "16", "--latent", "4", "--batch-size", "250"];
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private (string Run, CliHarness Cli) Train(string name, int epochs, params string[] extra)
    {
        var cli = new CliHarness();
        string run = _temp.File(name);
        int code = cli.Run(["train", .. SmallModel, "--epochs", epochs.ToString(), "--out", run, .. extra]);
        Assert.True(code == 0, $"exit code {code}: {cli.Error}");
        return (run, cli);
    }

    [Fact]
    public void A_sharded_run_repeats_itself_bit_for_bit_and_a_resume_that_changes_the_shards_says_so()
    {
        (string first, _) = Train("first", 1, "--Distributed:Shards=5");
        (string second, _) = Train("second", 1, "--Distributed:Shards=5");
        (string plain, _) = Train("plain", 1);
        byte[] Checkpoint(string run) => File.ReadAllBytes(new RunDirectory(run).Checkpoint);
        Assert.Equal(File.ReadAllText(Path.Combine(first, "metrics.csv")).Split('\n')[1].Split(',')[..5],
            File.ReadAllText(Path.Combine(second, "metrics.csv")).Split('\n')[1].Split(',')[..5]);
        Assert.Contains("\"Shards\": 5", File.ReadAllText(new RunDirectory(first).Config), StringComparison.Ordinal);
        Assert.NotEqual(Checkpoint(first), Checkpoint(plain));

        var cli = new CliHarness();
        Assert.Equal(0, cli.Run(["train", "--resume", first, "--epochs", "2", "--Distributed:Shards=2"]));
        Assert.Contains("note: Distributed:Shards changes from 5 to 2", cli.Output + cli.Error, StringComparison.Ordinal);
        cli = new CliHarness();
        Assert.Equal(0, cli.Run(["train", "--resume", second, "--epochs", "2"]));
        Assert.DoesNotContain("Distributed:Shards changes", cli.Output + cli.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Distributed:Shards=3", "Distributed:Shards = '3': must divide Training:BatchSize (250) into equal shards")]
    [InlineData("--Distributed:Shards=0", "Distributed:Shards = '0': must be 1 to 65536")]
    public void Shards_that_do_not_divide_the_batch_are_a_user_error_and_leave_no_run(string setting, string message)
    {
        var cli = new CliHarness();
        string run = _temp.File("refused");
        cli.AssertUserError(2, message, ["train", .. SmallModel, "--epochs", "1", "--out", run, setting]);
        Assert.False(Directory.Exists(run));
    }
}
