using VaeGpu.Cli;
using VaeGpu.Cli.Commands;
using VaeGpu.Cli.Configuration;
using VaeGpu.Cli.Training;
using VaeGpu.Tests.Configuration;
using VaeGpu.Training;

namespace VaeGpu.Tests.Commands;

/// <summary>Issue 11, items 10 and 11: --help on every verb, suggestions for typos, lines that fit the terminal.</summary>
[Collection(ProcessEnvironmentCollection.Name)] // help shows defaults, which VAEGPU__* variables change
public sealed class HelpAndDisplayTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, string> EveryVerbAndHelpWord()
    {
        var data = new TheoryData<string, string>();
        foreach (ICommand command in BuiltInCommands.Create(new CliConsole(TextWriter.Null, TextWriter.Null, false)).Commands)
            foreach (string word in new[] { "--help", "-h" })
                data.Add(command.Name, word);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryVerbAndHelpWord))]
    public void Every_verb_answers_help_with_its_switches_defaults_and_an_example(string verb, string word)
    {
        Assert.Equal(0, _cli.Run(verb, word));

        Assert.Empty(_cli.Error);
        Assert.StartsWith($"usage: VaeGpu.Cli {verb}", _cli.Output, StringComparison.Ordinal);
        Assert.Contains($"example:{Environment.NewLine}  VaeGpu.Cli {verb}", _cli.Output, StringComparison.Ordinal);
        CommandSwitches switches = BuiltInCommands.Create(new CliConsole(TextWriter.Null, TextWriter.Null, false)).Commands
            .Single(c => c.Name == verb).Switches;
        foreach (CommandSwitches.Switch option in switches.All)
            Assert.Matches($@"(?m)^  {option.Name} +.*\(default: [^)]+\)\r?$", _cli.Output);
    }

    [Fact]
    public void Train_help_shows_the_configured_defaults()
    {
        Assert.Equal(0, _cli.Run("train", "--help"));
        Assert.Matches(@"(?m)^  --epochs +total epochs .*\[Training:Epochs\] \(default: 10\)", _cli.Output);
        Assert.Matches(@"(?m)^  --lr +Adam learning rate \[Training:LearningRate\] \(default: 0.001\)", _cli.Output);
        Assert.Matches(@"(?m)^  --overwrite +.*\(default: off\)", _cli.Output);
    }

    [Fact]
    public void Help_after_other_switches_still_shows_help_and_runs_nothing()
    {
        string run = _temp.File("never");
        Assert.Equal(0, _cli.Run("train", "--out", run, "--epochs", "3", "--help"));
        Assert.StartsWith("usage: VaeGpu.Cli train", _cli.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void The_program_help_lists_the_verbs_and_points_to_verb_help()
    {
        Assert.Equal(0, _cli.Run("--help"));
        foreach (string verb in new[] { "train", "eval", "sample", "reconstruct", "interpolate", "latents", "score", "devices", "bench" })
            Assert.Matches($@"(?m)^  {verb} +\S", _cli.Output);
        Assert.Contains("COMMAND --help", _cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evl", "did you mean eval?")]
    [InlineData("sampel", "did you mean sample?")]
    public void An_unknown_verb_suggests_the_nearest(string typed, string suggestion) =>
        _cli.AssertUserError(2, suggestion, typed);

    [Theory]
    [InlineData("train", "--epoch", "did you mean --epochs?")]
    [InlineData("train", "--batchsize", "did you mean --batch-size?")]
    [InlineData("eval", "--runn", "did you mean --run?")]
    [InlineData("train", "-epochs", "did you mean --epochs?")]
    [InlineData("bench", "--second", "did you mean --seconds?")]
    public void An_unknown_switch_suggests_the_nearest(string verb, string typed, string suggestion) =>
        _cli.AssertUserError(2, suggestion, verb, typed, "5");

    [Fact]
    public void A_word_far_from_every_switch_gets_no_suggestion()
    {
        _cli.AssertUserError(2, "unknown option --zzzzzz", "train", "--zzzzzz", "5");
        Assert.DoesNotContain("did you mean", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Epoch_summaries_and_progress_fit_an_80_column_terminal()
    {
        var reporter = new TrainingReporter(new CliConsole(TextWriter.Null, TextWriter.Null, isTerminal: true, width: 80));
        var result = new EpochResult(12, 262.9912, 240.1, 22.89, 123.4, 32_317.5);
        var test = new EvaluationResult(260.1234, 238.5678, 21.5556, 1000);

        string full = new TrainingReporter(new CliConsole(TextWriter.Null, TextWriter.Null, false)).EpochSummary(12, 100, result, test);
        string fitted = reporter.EpochSummary(12, 100, result, test);

        Assert.True(full.Length > 79, "the test needs a summary that would wrap at 80 columns");
        Assert.True(fitted.Length <= 79, $"{fitted.Length} columns: '{fitted}'");
        Assert.Contains("test 260.12", fitted, StringComparison.Ordinal);
        string progress = TrainingReporter.ProgressText(new TrainingProgress(12, 300, 469, 262.99, 22.9, 32_317), 100, 30);
        Assert.True(progress.Length <= 30, $"'{progress}'");
    }

    [Fact]
    public void A_line_too_long_for_every_form_is_cut_with_an_ellipsis() =>
        Assert.Equal("abcdefghi…", TrainingReporter.Fit(10, "abcdefghijklmnop"));

    [Fact]
    public void Nothing_to_do_says_1_epoch_not_1_epochs()
    {
        string run = _temp.File("run");
        Assert.Equal(0, _cli.Run("train", "--data", "embedded", "--hidden", "16", "--latent", "4", "--batch-size", "500",
            "--device", "cpu", "--epochs", "1", "--out", run));
        Assert.Equal(0, _cli.Run("train", "--resume", run, "--epochs", "1"));
        Assert.Contains("nothing to do: the run has 1 epoch and Training:Epochs is 1", _cli.Output, StringComparison.Ordinal);
        Assert.Equal("2 epochs", TrainCommand.Plural(2, "epoch"));
    }

    [Fact]
    public void The_opencl_device_text_in_appsettings_matches_what_opencl_selects()
    {
        // IlgpuDevices.Select takes the first usable OpenCL GPU for a bare "opencl", else the first usable OpenCL
        // device (CliAppTests pins that with a fake discovery); the documentation must say the same.
        string settings = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.json"));
        Assert.Contains("opencl (the first OpenCL GPU that ILGPU can use, else its first usable OpenCL device,", settings, StringComparison.Ordinal);
    }
}
