using VaeGpu.Cli.Runs;
using VaeGpu.Io;
using VaeGpu.Io.Checkpoints;
using VaeGpu.Tests.Configuration;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// Issue 21: a convolutional run through the CLI as a user makes one: train --arch conv, every analysis verb on
/// it, a stop mid-epoch resumed to the same bits as an uninterrupted run, and the one-line errors for what a
/// conv model cannot take.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class ConvRunTests : IDisposable
{
    private static readonly string[] SmallConv =
        ["--data", "embedded", "--arch", "conv", "--channels", "4,8", "--latent", "4", "--batch-size", "250", "--device", "cpu"];
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The model's switches: norm none|batch; likelihood bernoulli or "learned" (a Gaussian with σ learned per image channel).</summary>
    private static string[] Model(string norm, string likelihood) => likelihood == "learned"
        ? ["--norm", norm, "--likelihood", "gaussian", "--Model:LearnSigma=true"]
        : ["--norm", norm];

    [Theory]
    [InlineData("none", "bernoulli")]
    [InlineData("batch", "bernoulli")]
    [InlineData("none", "learned")]
    public void A_conv_run_trains_and_every_analysis_verb_works_on_it(string norm, string likelihood)
    {
        var cli = new CliHarness();
        string run = _temp.File("conv");
        Assert.True(cli.Run(["train", .. SmallConv, .. Model(norm, likelihood), "--epochs", "1", "--out", run]) == 0, cli.Error);
        Assert.Contains("model: conv 28×28×1 channels 4,8", cli.Output, StringComparison.Ordinal);
        Assert.Equal(norm == "batch", cli.Output.Contains("batch norm", StringComparison.Ordinal));
        Assert.Equal(likelihood == "learned", cli.Output.Contains("gaussian (learned σ)", StringComparison.Ordinal));
        CheckpointData saved = Checkpoint.Load(new RunDirectory(run).Checkpoint);
        Assert.Equal([4, 8], saved.Architecture.Conv!.Filters);
        Assert.Equal(norm == "batch" ? 2 * (4 + 8 + 4) : 0, saved.State.RunningStatistics.Length);
        if (likelihood == "learned")
        {
            // One logσ for the one image channel, after every layer's parameters; trained away from its start log σ₀.
            var layout = new VaeGpu.Model.VaeLayout(saved.Architecture);
            Assert.Equal((1, layout.ParameterCount - 1), (layout.LogSigmaCount, layout.LogSigmaOffset));
            Assert.NotEqual(MathF.Log(saved.Architecture.Likelihood.Sigma), saved.Parameters[^1]);
        }

        string[][] verbs =
        [
            ["eval", "--run", run, "--iw", "5"],
            ["sample", "--run", run, "--count", "4"],
            ["reconstruct", "--run", run, "--count", "4", "--noise", "0.1"],
            ["interpolate", "--run", run, "--from", "0", "--to", "3"],
            ["latents", "--run", run],
            ["score", "--run", run],
        ];
        foreach (string[] verb in verbs)
            Assert.True(cli.Run([.. verb, "--device", "cpu"]) == 0, $"{verb[0]}: {cli.Error}");
        foreach (string file in new[] { "eval.json", "sample.png", "reconstruct.png", "interpolation.png", "latents.csv", "scores.csv", "report.html" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} missing");
    }

    [Theory]
    [InlineData("none", "bernoulli")]
    [InlineData("batch", "bernoulli")]
    [InlineData("batch", "learned")]
    public void A_conv_run_stopped_mid_epoch_and_resumed_ends_bit_for_bit_where_an_uninterrupted_one_does(string norm, string likelihood)
    {
        var cli = new CliHarness();
        string whole = _temp.File("whole");
        Assert.True(cli.Run(["train", .. SmallConv, .. Model(norm, likelihood), "--epochs", "2", "--out", whole]) == 0, cli.Error);

        var stopping = new CliHarness(() => new StopSignal { AfterStep = 50 });
        string split = _temp.File("split");
        Assert.Equal(130, stopping.Run(["train", .. SmallConv, .. Model(norm, likelihood), "--epochs", "2", "--out", split]));
        Assert.True(cli.Run("train", "--resume", split, "--epochs", "2") == 0, cli.Error);

        CheckpointData a = Checkpoint.Load(new RunDirectory(whole).Checkpoint), b = Checkpoint.Load(new RunDirectory(split).Checkpoint);
        Assert.Equal(a.Step, b.Step);
        Assert.True(a.Parameters.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Parameters.Select(BitConverter.SingleToInt32Bits)),
            "parameters differ");
        Assert.True(a.AdamV.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.AdamV.Select(BitConverter.SingleToInt32Bits)), "Adam v differs");
        Assert.True(a.State.RunningStatistics.Select(BitConverter.SingleToInt32Bits)
            .SequenceEqual(b.State.RunningStatistics.Select(BitConverter.SingleToInt32Bits)), "running statistics differ");
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "metrics.csv")).Split('\n').Length, File.ReadAllText(Path.Combine(split, "metrics.csv")).Split('\n').Length);
    }

    [Fact]
    public void What_a_conv_model_cannot_take_is_one_line_naming_the_setting()
    {
        var cli = new CliHarness();
        cli.AssertUserError(2, "Model:Architecture = 'cnn': unknown architecture (use mlp or conv)",
            "train", "--data", "embedded", "--arch", "cnn", "--out", _temp.File("a"));
        cli.AssertUserError(2, "Model:Channels = '8,16,32,64,128': 28×28 images:",
            "train", "--data", "embedded", "--arch", "conv", "--channels", "8,16,32,64,128", "--out", _temp.File("b"));
        cli.AssertUserError(2, "Model:Channels = '8,x': channel count 'x' is not a whole number",
            "train", "--data", "embedded", "--arch", "conv", "--channels", "8,x", "--out", _temp.File("c"));

        cli.AssertUserError(2, "Model:Norm = 'group': unknown normalization (use none or batch)",
            "train", "--data", "embedded", "--arch", "conv", "--norm", "group", "--out", _temp.File("e"));
        cli.AssertUserError(2, "Model:Norm = 'batch': BatchNorm2d follows convolutions: it needs Model:Architecture = conv",
            "train", "--data", "embedded", "--norm", "batch", "--out", _temp.File("f"));

        string table = _temp.File("table.csv");
        File.WriteAllLines(table, ["a,b,c", .. Enumerable.Range(0, 40).Select(i => $"{i % 7},{i % 3}.5,{i * 0.1}")]);
        cli.AssertUserError(2, "Model:Architecture = 'conv': needs images",
            "train", "--data", table, "--arch", "conv", "--out", _temp.File("d"));
        Assert.False(Directory.Exists(_temp.File("d")));
    }
}
