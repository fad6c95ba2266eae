using VaeGpu.Io;
using VaeGpu.Tests.Configuration;
using VaeGpu.Tests.Io;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// train, eval, sample and reconstruct end to end through the CLI on the embedded data, with a
/// small model so that each run takes a second or two.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class VerbTests : IDisposable
{
    private static readonly string[] SmallModel = ["--data", "embedded", "--hidden", "48", "--latent", "6", "--batch-size", "250", "--device", "cpu"];
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose() => _temp.Dispose();

    private string Train(string name, int epochs, params string[] extra)
    {
        string run = _temp.File(name);
        int code = _cli.Run(["train", .. SmallModel, "--epochs", epochs.ToString(), "--out", run, .. extra]);
        Assert.True(code == 0, _cli.Error);
        return run;
    }

    [Fact]
    public void Train_writes_every_file_of_the_run_directory()
    {
        string run = Train("run", 2);

        var files = new RunDirectory(run);
        Assert.Equal(MetricsCsv.Header, File.ReadLines(files.Metrics).First());
        Assert.Equal([1, 2], MetricsCsv.Read(files.Metrics).Select(m => m.Epoch));
        Assert.All(MetricsCsv.Read(files.Metrics), m => Assert.True(m.SamplesPerSecond > 0 && m.TestLoss > 0 && m.TestKl > 0));
        Assert.Contains("\"Hidden\": \"48\"", File.ReadAllText(files.Config), StringComparison.Ordinal);
        CheckpointData checkpoint = Checkpoint.Load(files.Checkpoint);
        Assert.Equal(2, checkpoint.Epoch);
        Assert.Equal(2 * 36, checkpoint.Step); // 9,000 / 250 steps per epoch
        PngReader.Decoded samples = PngReader.Decode(File.ReadAllBytes(files.Samples));
        Assert.Equal((8 * 28 + 9 * 2, 8 * 28 + 9 * 2), (samples.Width, samples.Height));
        PngReader.Decoded reconstructions = PngReader.Decode(File.ReadAllBytes(files.Reconstructions));
        Assert.Equal((8 * 28 + 9 * 2, 2 * 28 + 3 * 2), (reconstructions.Width, reconstructions.Height));
        Assert.Contains("epoch 2/2", _cli.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }

    [Fact]
    public void Two_epochs_resumed_to_five_give_the_parameters_of_five_uninterrupted_epochs()
    {
        string whole = Train("whole", 5);
        string split = Train("split", 2);
        Assert.Equal(0, _cli.Run("train", "--resume", split, "--epochs", "5"));

        CheckpointData a = Checkpoint.Load(new RunDirectory(whole).Checkpoint);
        CheckpointData b = Checkpoint.Load(new RunDirectory(split).Checkpoint);
        Assert.Equal(5, b.Epoch);
        Assert.Equal(a.Step, b.Step);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(a.AdamM, b.AdamM);
        Assert.Equal(a.AdamV, b.AdamV);
        Assert.Equal([1, 2, 3, 4, 5], MetricsCsv.Read(new RunDirectory(split).Metrics).Select(m => m.Epoch));
    }

    [Fact]
    public void Eval_sample_and_reconstruct_work_on_a_trained_run()
    {
        string run = Train("run", 1);

        Assert.Equal(0, _cli.Run("eval", "--run", run, "--iw", "2")); // the default K = 5000 is for real runs, not a unit test
        Assert.Matches(@"test -ELBO \d+\.\d+ nats +\(reconstruction \d+\.\d+, KL \d+\.\d+\) over 1,000 images", _cli.Output);

        string samples = _temp.File("s.png");
        Assert.Equal(0, _cli.Run("sample", "--run", run, "--count", "10", "--out", samples));
        Assert.Equal(4 * 28 + 5 * 2, PngReader.Decode(File.ReadAllBytes(samples)).Width); // ⌈√10⌉ = 4 columns

        string reconstructions = _temp.File("r.png");
        Assert.Equal(0, _cli.Run("reconstruct", "--run", run, "--count", "11", "--out", reconstructions));
        PngReader.Decoded grid = PngReader.Decode(File.ReadAllBytes(reconstructions));
        Assert.Equal((8 * 28 + 9 * 2, 4 * 28 + 5 * 2), (grid.Width, grid.Height)); // two rows of inputs, each over its reconstructions
    }

    [Fact]
    public void Bad_arguments_are_one_line_errors_with_exit_code_2()
    {
        _cli.AssertUserError(2, "Run:Dir", "eval", "--run", _temp.File("missing"));
        _cli.AssertUserError(2, "Run:Dir", "sample");
        _cli.AssertUserError(2, "Device = 'cuda:99'", "train", "--device", "cuda:99", "--data", "embedded"); // no machine has device 99
        _cli.AssertUserError(2, "Training:Epochs = '0'", "train", "--epochs", "0", "--data", "embedded");
        _cli.AssertUserError(2, $"{_temp.File("nowhere")}: data directory not found", "train", "--data", _temp.File("nowhere"));
        Directory.CreateDirectory(_temp.File("empty"));
        _cli.AssertUserError(2, "no checkpoint.bin", "reconstruct", "--run", _temp.File("empty"));

        string run = Train("run", 1);
        _cli.AssertUserError(2, "Sample:Count = '0'", "sample", "--run", run, "--count", "0");
        _cli.AssertUserError(2, "the test set has only 1000 images", "reconstruct", "--run", run, "--count", "1001");
        _cli.AssertUserError(2, "784-64-6", "train", "--resume", run, "--hidden", "64", "--epochs", "2");
        _cli.AssertUserError(2, "Training:Seed", "train", "--resume", run, "--seed", "99", "--epochs", "2");
    }

    [Fact]
    public void A_corrupt_or_truncated_checkpoint_is_a_one_line_error()
    {
        string run = Train("run", 1);
        string checkpoint = new RunDirectory(run).Checkpoint;
        byte[] bytes = File.ReadAllBytes(checkpoint);

        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(checkpoint, bytes);
        _cli.AssertUserError(2, "checksum", "eval", "--run", run);

        File.WriteAllBytes(checkpoint, bytes[..(bytes.Length / 3)]);
        _cli.AssertUserError(2, "truncated", "sample", "--run", run);
        _cli.AssertUserError(2, "truncated", "train", "--resume", run, "--epochs", "3");
    }

    [Fact]
    public void A_device_that_is_not_there_is_an_error_not_a_fallback()
    {
        _cli.AssertUserError(2, "Device = 'opencl:9:0'", "train", "--device", "opencl:9:0", "--data", "embedded");
    }

    [Fact]
    public void Resuming_a_finished_run_says_there_is_nothing_to_do()
    {
        string run = Train("run", 1);
        Assert.Equal(0, _cli.Run("train", "--resume", run, "--epochs", "1"));
        Assert.Contains("nothing to do", _cli.Output, StringComparison.Ordinal);
    }
}
