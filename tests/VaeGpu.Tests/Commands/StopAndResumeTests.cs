using System.Diagnostics;
using VaeGpu.Cli.Runs;
using VaeGpu.Io;
using VaeGpu.Tests.Configuration;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// Issue 11: graceful stops and mid-epoch exact resume. A stop (Ctrl-C, SIGTERM) saves the step it is at
/// and says how to resume; a resumed run, from a stop or from a periodic mid-epoch checkpoint after a
/// kill -9, ends with every parameter, Adam moment and metrics value of an uninterrupted run. The same
/// on ilgpu-cpu is <see cref="Training.MidEpochResumeTests"/>: through the CLI it would cost minutes there.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class StopAndResumeTests : IDisposable
{
    private static readonly string[] SmallModel = ["--data", "embedded", "--hidden", "16", "--latent", "4", "--batch-size", "250"];
    private const int StepsPerEpoch = 36; // 9,000 / 250
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Train(CliHarness cli, string name, int epochs, string device, int expectedCode = 0)
    {
        string run = _temp.File(name);
        int code = cli.Run(["train", .. SmallModel, "--device", device, "--epochs", epochs.ToString(), "--out", run]);
        Assert.True(code == expectedCode, $"exit code {code}, expected {expectedCode}: {cli.Error}");
        return run;
    }

    [Fact]
    public void A_stop_mid_epoch_saves_that_step_and_prints_one_line_saying_how_to_resume()
    {
        var stopping = new CliHarness(() => new StopSignal { AfterStep = 50 });
        string run = Train(stopping, "run", 3, "cpu", expectedCode: 130);

        string checkpoint = new RunDirectory(run).Checkpoint;
        Assert.Equal($"stopped by SIGINT at step 50 (epoch 2); checkpoint: {checkpoint}; resume with: train --resume {run}",
            Assert.Single(stopping.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        CheckpointData saved = Checkpoint.Load(checkpoint);
        Assert.Equal(50, saved.Step);
        Assert.Equal(1, saved.Epoch);
        Assert.Equal(50 - StepsPerEpoch, saved.Partial?.StepsDone);
        Assert.Equal([1], MetricsCsv.Read(new RunDirectory(run).Metrics).Select(m => m.Epoch));
        Assert.DoesNotContain("done:", stopping.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Sigterm_is_treated_as_a_stop_with_exit_code_143_and_a_run_that_saved_nothing_leaves_nothing()
    {
        var stopped = new CliHarness(() =>
        {
            StopSignal stop = StopSignal.Manual();
            stop.Request("SIGTERM");
            return stop;
        });
        string run = Train(stopped, "run", 1, "cpu", expectedCode: 143);

        Assert.Equal("stopped by SIGTERM before any step: nothing was saved", stopped.Error.Trim());
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData("cpu", 2, 50)]
    [InlineData("cpu", 2, 36)] // exactly at an epoch's end: the epoch's own checkpoint
    public void A_run_stopped_mid_epoch_and_resumed_ends_bit_for_bit_where_an_uninterrupted_one_does(string device, int epochs, long stopAfter)
    {
        var cli = new CliHarness();
        string whole = Train(cli, "whole", epochs, device);

        var stopping = new CliHarness(() => new StopSignal { AfterStep = stopAfter });
        string split = Train(stopping, "split", epochs, device, expectedCode: 130);
        Assert.Equal(0, cli.Run("train", "--resume", split, "--epochs", epochs.ToString()));
        Assert.Contains($"resuming {split} at epoch {stopAfter / StepsPerEpoch + 1}, step {stopAfter}", cli.Output, StringComparison.Ordinal);

        AssertSameRun(whole, split);
    }

    [Fact]
    public void Kill_9_mid_epoch_then_resume_from_the_periodic_checkpoint_is_bit_identical()
    {
        string split = _temp.File("killed");
        string cliDll = Path.Combine(AppContext.BaseDirectory, "VaeGpu.Cli.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", cliDll, "train", .. SmallModel, "--device", "cpu", "--epochs", "200",
            "--checkpoint-every", "5", "--out", split])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (Process process = Process.Start(start)!)
        {
            try
            {
                WaitForMidEpochCheckpoint(new RunDirectory(split).Checkpoint, process);
                process.Kill(); // SIGKILL: no stop handler runs, only the last periodic checkpoint remains
                process.WaitForExit();
            }
            finally
            {
                if (!process.HasExited) process.Kill();
            }
        }
        CheckpointData killed = Checkpoint.Load(new RunDirectory(split).Checkpoint);
        Assert.NotNull(killed.Partial);
        Assert.Equal(0, killed.Partial!.StepsDone % 5);

        // Resume up to the end of the epoch it was killed in (the lock died with the process), and
        // compare with an uninterrupted run of as many epochs.
        int upTo = killed.Partial.Epoch;
        var cli = new CliHarness();
        Assert.True(cli.Run("train", "--resume", split, "--epochs", upTo.ToString()) == 0, cli.Error);
        string whole = Train(cli, "whole", upTo, "cpu");
        AssertSameRun(whole, split);
    }

    [Fact]
    public async Task A_real_sigterm_saves_the_step_says_how_to_resume_exits_143_and_the_resume_is_bit_identical()
    {
        string split = _temp.File("terminated");
        string cliDll = Path.Combine(AppContext.BaseDirectory, "VaeGpu.Cli.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", cliDll, "train", .. SmallModel, "--device", "cpu", "--epochs", "200",
            "--checkpoint-every", "5", "--out", split])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string error;
        using (Process process = Process.Start(start)!)
        {
            CancellationToken cancel = TestContext.Current.CancellationToken;
            Task<string> errorText = process.StandardError.ReadToEndAsync(cancel);
            Task<string> outputText = process.StandardOutput.ReadToEndAsync(cancel);
            try
            {
                // The stop handler is registered before the first step; a periodic checkpoint proves training runs.
                WaitForMidEpochCheckpoint(new RunDirectory(split).Checkpoint, process);
                using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString()])!) kill.WaitForExit();
                Assert.True(process.WaitForExit(30_000), "the process did not stop within 30 s of SIGTERM");
            }
            finally
            {
                if (!process.HasExited) process.Kill();
            }
            Assert.Equal(143, process.ExitCode);
            error = await errorText;
            await outputText;
        }
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string line = Assert.Single(lines);
        Assert.Matches($@"^stopped by SIGTERM at step \d+ \(epoch \d+\); checkpoint: {System.Text.RegularExpressions.Regex.Escape(new RunDirectory(split).Checkpoint)}; " +
            $"resume with: train --resume {System.Text.RegularExpressions.Regex.Escape(split)}$", line);

        CheckpointData stopped = Checkpoint.Load(new RunDirectory(split).Checkpoint);
        int upTo = stopped.Partial?.Epoch ?? stopped.Epoch;
        var cli = new CliHarness();
        Assert.True(cli.Run("train", "--resume", split, "--epochs", upTo.ToString()) == 0, cli.Error);
        string whole = Train(cli, "whole", upTo, "cpu");
        AssertSameRun(whole, split);
    }

    private static void WaitForMidEpochCheckpoint(string checkpoint, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited) Assert.Fail($"the training process ended early: {process.StandardError.ReadToEnd()}");
            if (File.Exists(checkpoint) && Checkpoint.Load(checkpoint).Partial is not null) return;
            Thread.Sleep(20);
        }
        Assert.Fail("no mid-epoch checkpoint appeared within 60 s");
    }

    /// <summary>Every parameter and Adam moment bit for bit, and every metrics value but the timings.</summary>
    private static void AssertSameRun(string whole, string split)
    {
        CheckpointData a = Checkpoint.Load(new RunDirectory(whole).Checkpoint);
        CheckpointData b = Checkpoint.Load(new RunDirectory(split).Checkpoint);
        Assert.Equal(a.Epoch, b.Epoch);
        Assert.Equal(a.Step, b.Step);
        Assert.Null(b.Partial);
        Assert.True(Bits(a.Parameters).SequenceEqual(Bits(b.Parameters)), "parameters differ");
        Assert.True(Bits(a.AdamM).SequenceEqual(Bits(b.AdamM)), "Adam m differs");
        Assert.True(Bits(a.AdamV).SequenceEqual(Bits(b.AdamV)), "Adam v differs");

        var rowsA = MetricsCsv.Read(new RunDirectory(whole).Metrics);
        var rowsB = MetricsCsv.Read(new RunDirectory(split).Metrics);
        Assert.Equal(rowsA.Select(m => m.Epoch), rowsB.Select(m => m.Epoch));
        foreach ((EpochMetrics x, EpochMetrics y) in rowsA.Zip(rowsB))
            Assert.Equal((x.TrainLoss, x.TestLoss, x.TestRecon, x.TestKl), (y.TrainLoss, y.TestLoss, y.TestRecon, y.TestKl));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
