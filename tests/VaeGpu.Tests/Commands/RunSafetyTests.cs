using System.Diagnostics;
using System.Text.Json;
using VaeGpu.Io;
using VaeGpu.Tests.Configuration;
using VaeGpu.Tests.Data;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// Issue 11: nothing lost, nothing overwritten. Each test runs a mistake through the CLI and checks the
/// one-line error, the exit code and that the existing run's files are byte for byte what they were.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class RunSafetyTests : IDisposable
{
    private static readonly string[] SmallModel = ["--data", "embedded", "--hidden", "16", "--latent", "4", "--batch-size", "250", "--device", "cpu"];
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose() => _temp.Dispose();

    private string Train(string name, int epochs = 1, params string[] extra)
    {
        string run = _temp.File(name);
        int code = _cli.Run(["train", .. SmallModel, "--epochs", epochs.ToString(), "--out", run, .. extra]);
        Assert.True(code == 0, _cli.Error);
        return run;
    }

    [Fact]
    public void Train_out_into_a_directory_holding_a_run_is_refused_and_the_run_is_untouched()
    {
        string run = Train("run");
        File.WriteAllText(Path.Combine(run, "eval.json"), "{}");
        var before = CliHarness.Snapshot(run);

        _cli.AssertUserError(2, $"Run:Out = '{run}': already holds a run (checkpoint.bin); continue it with --resume {run}",
            ["train", .. SmallModel, "--epochs", "1", "--out", run]);

        CliHarness.AssertUnchanged(before, run);
    }

    [Fact]
    public void Train_overwrite_replaces_the_run_and_leaves_no_stale_analysis_file()
    {
        string run = Train("run");
        File.WriteAllText(Path.Combine(run, "eval.json"), "{}");

        Train("run", 1, "--overwrite", "--seed", "7");

        Assert.False(File.Exists(Path.Combine(run, "eval.json")), "the old run's eval.json was left beside the new model");
        Assert.Equal(7ul, Checkpoint.Load(new RunDirectory(run).Checkpoint).Seed);
        Assert.Equal([1], MetricsCsv.Read(new RunDirectory(run).Metrics).Select(m => m.Epoch));
    }

    [Fact]
    public void Train_out_that_is_a_file_is_a_one_line_error()
    {
        string file = _temp.File("file");
        File.WriteAllText(file, "mine");

        _cli.AssertUserError(2, $"Run:Out = '{file}': is a file, not a directory", ["train", .. SmallModel, "--out", file]);

        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public void A_resume_that_diverges_changes_no_file_of_the_run_and_a_plain_resume_still_works()
    {
        string run = Train("run");
        var before = CliHarness.Snapshot(run);

        _cli.AssertUserError(3, "the last checkpoint", "train", "--resume", run, "--lr", "1e38", "--epochs", "2");
        Assert.Contains("is kept; try a lower --lr", _cli.Error, StringComparison.Ordinal);

        CliHarness.AssertUnchanged(before, run);
        Assert.Equal(0, _cli.Run("train", "--resume", run, "--epochs", "2"));
        Assert.Contains($"resuming {run} at epoch 2, step 36", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_run_that_diverges_before_a_checkpoint_says_none_exists_and_leaves_no_directory()
    {
        string run = _temp.File("nan");

        _cli.AssertUserError(3, "no checkpoint was saved yet", ["train", .. SmallModel, "--lr", "1e38", "--out", run]);

        Assert.DoesNotContain("last good checkpoint", _cli.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run), "a run that never saved left its directory behind");
    }

    [Fact]
    public void A_gaussian_run_that_diverges_is_advised_about_sigma_not_logvar()
    {
        _cli.AssertUserError(3, "Model:GaussianSigma",
            ["train", .. SmallModel, "--likelihood", "gaussian", "--lr", "1e38", "--out", _temp.File("g")]);
        Assert.DoesNotContain("LogVarMin", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_finite_loss_that_diverges_gets_a_warning_naming_the_epoch()
    {
        string run = _temp.File("lr");
        int code = _cli.Run(["train", .. SmallModel, "--lr", "1e6", "--epochs", "1", "--out", run]);

        if (code == 3) Assert.Fail($"expected a finite divergence, got a NaN stop: {_cli.Error}");
        Assert.Equal(0, code);
        Assert.Contains("warning: training is diverging at epoch 1", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_healthy_run_gets_no_divergence_warning()
    {
        Train("ok", 2);
        Assert.DoesNotContain("warning", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_locked_run_is_refused_naming_the_holders_pid_and_left_untouched()
    {
        string run = Train("run");
        var before = CliHarness.Snapshot(run);

        using (RunLock.Acquire(run, "test"))
        {
            string holder = $"in use by process {Environment.ProcessId}";
            _cli.AssertUserError(2, holder, "train", "--resume", run, "--epochs", "2");
            _cli.AssertUserError(2, $"{holder} (a train is writing this run)", "eval", "--run", run, "--iw", "0");
            _cli.AssertUserError(2, $"{holder} (a train is writing this run)", "sample", "--run", run);
            CliHarness.AssertUnchanged(before, run);
        }

        Assert.Equal(0, _cli.Run("eval", "--run", run, "--iw", "0"));
    }

    [Fact]
    public void Analysis_verbs_share_a_run_while_train_is_refused_and_the_run_left_untouched()
    {
        string run = Train("run");
        var before = CliHarness.Snapshot(run);

        using (RunLock.AcquireShared(run, "test"))
        {
            // Another reader is welcome: a long eval no longer blocks sample or score.
            Assert.True(_cli.Run("sample", "--run", run, "--count", "4", "--out", _temp.File("shared.png")) == 0, _cli.Error);
            Assert.True(_cli.Run("score", "--run", run, "--out", _temp.File("shared.csv")) == 0, _cli.Error);
            using (RunLock.AcquireShared(run, "test")) { }

            _cli.AssertUserError(2, "being read by an analysis verb", "train", "--resume", run, "--epochs", "2");
            _cli.AssertUserError(2, "being read by an analysis verb", "train", "--out", run, "--overwrite", "--data", "embedded", "--epochs", "1");
            CliHarness.AssertUnchanged(before, run);
        }

        Assert.True(_cli.Run("train", "--resume", run, "--epochs", "2") == 0, _cli.Error);
    }

    [Fact]
    public void The_shared_lock_is_flocks_own_so_another_process_reading_shares_it()
    {
        string run = Train("run");
        // util-linux flock(1) takes flock(2)'s shared lock from another process, as another analysis verb would.
        using var reader = Process.Start(new ProcessStartInfo("flock", ["--shared", "--no-fork", Path.Combine(run, RunLock.LockFileName), "sleep", "60"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                // flock(1) needs a moment to take the lock: until then train would get in (it is refused, not waited for).
                try
                {
                    using RunLock early = RunLock.Acquire(run, "test");
                }
                catch (VaeGpu.UserInputException e)
                {
                    Assert.Contains("being read by an analysis verb", e.Message, StringComparison.Ordinal);
                    break;
                }
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "flock(1) never took the lock");
                Thread.Sleep(50);
            }
            using RunLock shared = RunLock.AcquireShared(run, "test");
        }
        finally
        {
            if (!reader.HasExited) reader.Kill();
        }
    }

    [Fact]
    public void The_run_lock_is_an_os_lock_that_kill_9_releases()
    {
        string run = _temp.SubDirectory("locked");
        File.WriteAllText(Path.Combine(run, RunLock.LockFileName), "");
        // util-linux flock(1) takes the same flock(2) lock from another process (--no-fork: no child inherits
        // the descriptor), which we then kill -9.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--no-fork", Path.Combine(run, RunLock.LockFileName), "sleep", "60"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            var clock = Stopwatch.StartNew();
            UserInputExceptionWhileLocked(run, clock);

            holder.Kill(); // SIGKILL: the process gets no chance to unlock
            holder.WaitForExit();

            using RunLock taken = RunLock.Acquire(run, "test");
        }
        finally
        {
            if (!holder.HasExited) holder.Kill();
        }
    }

    // flock(1) needs a moment to start and take the lock; retry until it holds it (at most 10 s).
    private static void UserInputExceptionWhileLocked(string run, Stopwatch clock)
    {
        while (true)
        {
            try
            {
                using RunLock early = RunLock.Acquire(run, "test");
            }
            catch (VaeGpu.UserInputException e)
            {
                Assert.Contains("in use by", e.Message, StringComparison.Ordinal);
                return;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "flock(1) never took the lock");
            Thread.Sleep(50);
        }
    }

    [Fact]
    public void Eval_out_under_a_file_fails_before_evaluating_naming_the_path()
    {
        string run = Train("run");
        string file = _temp.File("plain");
        File.WriteAllText(file, "x");
        var before = CliHarness.Snapshot(run);
        string target = Path.Combine(file, "eval.json");

        _cli.AssertUserError(2, $"Sample:Out = '{target}'", "eval", "--run", run, "--out", target);

        Assert.Contains($"{file} is a file, not a directory", _cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("test -ELBO", _cli.Output, StringComparison.Ordinal); // refused before any evaluation
        CliHarness.AssertUnchanged(before, run);
    }

    [Fact]
    public void Eval_out_that_is_a_directory_is_refused()
    {
        string run = Train("run");
        string directory = _temp.SubDirectory("dir");
        _cli.AssertUserError(2, $"Sample:Out = '{directory}': is a directory", "eval", "--run", run, "--iw", "0", "--out", directory);
    }

    [Fact]
    public void An_atomic_write_that_fails_is_a_user_error_naming_the_path_and_the_reason()
    {
        string file = _temp.File("plain");
        File.WriteAllText(file, "x");
        string target = Path.Combine(file, "out.json");

        UserErrors.AssertOneLine(() => AtomicFile.WriteAllText(target, "{}"), target, "cannot write: ");
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void Sample_and_reconstruct_without_out_add_files_and_never_replace_trains()
    {
        string run = Train("run");
        var files = new RunDirectory(run);
        byte[] samples = File.ReadAllBytes(files.Samples), reconstructions = File.ReadAllBytes(files.Reconstructions);

        Assert.Equal(0, _cli.Run("sample", "--run", run, "--count", "9"));
        Assert.Equal(0, _cli.Run("reconstruct", "--run", run, "--count", "3"));

        Assert.Equal(samples, File.ReadAllBytes(files.Samples));
        Assert.Equal(reconstructions, File.ReadAllBytes(files.Reconstructions));
        Assert.True(File.Exists(files.File("sample.png")));
        Assert.True(File.Exists(files.File("reconstruct.png")));
    }

    [Fact]
    public void An_analysis_out_naming_a_file_train_wrote_is_refused()
    {
        string run = Train("run");
        var before = CliHarness.Snapshot(run);

        _cli.AssertUserError(2, "is the run's own samples.png", "sample", "--run", run, "--out", new RunDirectory(run).Samples);
        _cli.AssertUserError(2, "is the run's own metrics.csv", "eval", "--run", run, "--out", new RunDirectory(run).Metrics);

        CliHarness.AssertUnchanged(before, run);
    }

    [Fact]
    public void Config_json_records_the_resolved_device_name_and_data_with_image_counts()
    {
        string run = Train("run");

        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(new RunDirectory(run).Config));
        JsonElement root = config.RootElement;
        Assert.False(root.TryGetProperty("Device", out _), "the device is a per-invocation setting, not the run's");
        Assert.Equal("embedded", root.GetProperty("Data").GetProperty("Dir").GetString());
        JsonElement resolved = root.GetProperty("Resolved");
        Assert.Equal(9000, resolved.GetProperty("TrainImages").GetInt32());
        Assert.Equal(1000, resolved.GetProperty("TestImages").GetInt32());
        Assert.StartsWith("cpu (", resolved.GetProperty("DeviceName").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_is_recorded_as_the_device_it_picked()
    {
        string run = Train("auto", 1, "--device", "auto");
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(new RunDirectory(run).Config));
        Assert.StartsWith("cpu (", config.RootElement.GetProperty("Resolved").GetProperty("DeviceName").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_resume_on_other_data_is_refused_and_the_run_is_untouched()
    {
        string run = Train("run");
        string other = _temp.SubDirectory("other");
        IdxBytes.WriteDataDirectory(other, trainCount: 300, testCount: 100, rows: 28, cols: 28);
        var before = CliHarness.Snapshot(run);

        _cli.AssertUserError(2, "a resume must use the run's data", "train", "--resume", run, "--data", other, "--epochs", "2");

        Assert.Contains("trained on embedded (9,000 / 1,000)", _cli.Error, StringComparison.Ordinal);
        CliHarness.AssertUnchanged(before, run);
    }

    [Fact]
    public void A_resume_whose_data_directory_is_gone_says_the_run_needs_it()
    {
        string data = _temp.SubDirectory("data");
        IdxBytes.WriteDataDirectory(data, trainCount: 300, testCount: 100, rows: 28, cols: 28);
        string run = _temp.File("run");
        Assert.True(_cli.Run("train", "--data", data, "--hidden", "16", "--latent", "4", "--batch-size", "100", "--device", "cpu",
            "--epochs", "1", "--out", run) == 0, _cli.Error);
        Directory.Delete(data, recursive: true);
        var before = CliHarness.Snapshot(run);

        _cli.AssertUserError(2, "a resume needs that data", "train", "--resume", run, "--epochs", "2");

        CliHarness.AssertUnchanged(before, run);
    }

    [Fact]
    public void Stale_temp_files_of_dead_processes_are_removed_when_a_run_is_opened()
    {
        string run = Train("run");
        int dead = DeadProcessId();
        string stale = Path.Combine(run, $".checkpoint.bin.{dead}.tmp");
        string mine = Path.Combine(run, $".checkpoint.bin.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(stale, new byte[1024]);
        File.WriteAllBytes(mine, new byte[16]);

        Assert.Equal(0, _cli.Run("sample", "--run", run, "--count", "4"));

        Assert.False(File.Exists(stale), "a dead writer's temporary file was left");
        Assert.True(File.Exists(mine), "a live process's temporary file was removed");

        File.WriteAllBytes(stale, new byte[1024]);
        Assert.Equal(0, _cli.Run("train", "--resume", run, "--epochs", "1"));
        Assert.False(File.Exists(stale), "train --resume left a dead writer's temporary file");
    }

    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true"))!;
        process.WaitForExit();
        return process.Id;
    }
}
