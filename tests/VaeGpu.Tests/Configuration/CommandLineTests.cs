using Microsoft.Extensions.Configuration;
using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;

namespace VaeGpu.Tests.Configuration;

public sealed class CommandLineTests
{
    private static readonly Dictionary<CommandSwitches, (string Switch, string Key)[]> Documented = new()
    {
        [CommandSwitches.Train] =
        [
            ("--device", "Device"), ("--data", "Data:Dir"), ("--test", "Data:Test"), ("--out", "Run:Out"), ("--epochs", "Training:Epochs"),
            ("--batch-size", "Training:BatchSize"), ("--lr", "Training:LearningRate"), ("--arch", "Model:Architecture"),
            ("--hidden", "Model:Hidden"), ("--channels", "Model:Channels"), ("--norm", "Model:Norm"),
            ("--latent", "Model:Latent"), ("--activation", "Model:Activation"), ("--likelihood", "Model:Likelihood"),
            ("--beta", "Training:Beta"), ("--warmup-steps", "Training:WarmupSteps"), ("--seed", "Training:Seed"),
            ("--resume", "Run:Resume"), ("--exclude-class", "Training:ExcludeClass"),
            ("--checkpoint-every", "Training:CheckpointEverySteps"),
        ],
        [CommandSwitches.Eval] =
            [("--run", "Run:Dir"), ("--data", "Data:Dir"), ("--device", "Device"), ("--iw", "Analysis:ImportanceSamples"), ("--out", "Sample:Out")],
        [CommandSwitches.Sample] = [("--run", "Run:Dir"), ("--count", "Sample:Count"), ("--out", "Sample:Out"), ("--device", "Device")],
        [CommandSwitches.Reconstruct] =
        [
            ("--run", "Run:Dir"), ("--count", "Sample:Count"), ("--out", "Sample:Out"), ("--device", "Device"), ("--noise", "Analysis:Noise"),
            ("--input", "Data:Input"),
        ],
        [CommandSwitches.Interpolate] =
        [
            ("--run", "Run:Dir"), ("--from", "Analysis:From"), ("--to", "Analysis:To"), ("--steps", "Analysis:Steps"),
            ("--out", "Sample:Out"), ("--data", "Data:Dir"), ("--device", "Device"),
        ],
        [CommandSwitches.Latents] =
            [("--run", "Run:Dir"), ("--out", "Sample:Out"), ("--data", "Data:Dir"), ("--input", "Data:Input"), ("--device", "Device")],
        [CommandSwitches.Score] =
        [
            ("--run", "Run:Dir"), ("--data", "Data:Dir"), ("--input", "Data:Input"), ("--iw", "Analysis:ScoreImportanceSamples"),
            ("--threshold", "Analysis:Threshold"), ("--out", "Sample:Out"), ("--device", "Device"),
        ],
    };

    public static TheoryData<string, string, string> EverySwitch()
    {
        var data = new TheoryData<string, string, string>();
        foreach ((CommandSwitches switches, (string Switch, string Key)[] pairs) in Documented)
            foreach ((string name, string key) in pairs)
                data.Add(switches.Verb, name, key);
        return data;
    }

    [Theory]
    [MemberData(nameof(EverySwitch))]
    public void Each_switch_sets_its_key_in_both_forms(string verb, string name, string key)
    {
        CommandSwitches switches = ByVerb(verb);

        Assert.Equal("7", ConfigurationLoader.Build(switches, [name, "7"])[key]);
        Assert.Equal("8", ConfigurationLoader.Build(switches, [$"{name}=8"])[key]);
    }

    [Fact]
    public void Verbs_take_exactly_the_documented_switches()
    {
        foreach ((CommandSwitches switches, (string Switch, string Key)[] pairs) in Documented)
        {
            // Value-less flags (--overwrite, --spherical) are parsed by their verb: no configuration key.
            Assert.Equal(pairs.Select(p => p.Switch), switches.All.Where(s => s.Key is not null).Select(s => s.Name));
            Assert.Equal(pairs.Length, switches.Map.Count);
        }
    }

    [Fact]
    public void Every_switch_targets_a_bindable_key()
    {
        foreach (CommandSwitches switches in Documented.Keys)
            foreach (string key in switches.Map.Values)
                Assert.True(OptionsSchema.TryGetLeaf(key, out _), $"{switches.Verb}: {key} is not an option");
    }

    [Theory]
    [InlineData("--Training:Epochs=5")]
    [InlineData("--Training:Epochs", "5")]
    [InlineData("--training:epochs=5")]
    [InlineData("--epochs", "5")]
    public void Generic_and_short_forms_bind(params string[] args) =>
        Assert.Equal(5, ConfigurationLoader.Load(CommandSwitches.Train, args).Training.Epochs);

    [Fact]
    public void A_later_argument_wins() =>
        Assert.Equal(6, ConfigurationLoader.Load(CommandSwitches.Train, ["--epochs", "5", "--Training:Epochs=6"]).Training.Epochs);

    [Fact]
    public void A_value_may_start_with_a_dash()
    {
        VaeGpuOptions options = ConfigurationLoader.Load(CommandSwitches.Train, ["--Model:LogVarMin", "-12", "--data", "/tmp/fashion"]);

        Assert.Equal(-12f, options.Model.LogVarMin);
        Assert.Equal("/tmp/fashion", options.Data.Dir);
    }

    [Fact]
    public void An_unknown_short_option_lists_the_verbs_switches()
    {
        var error = Assert.Throws<UserInputException>(() => ConfigurationLoader.Load(CommandSwitches.Train, ["--epoch", "5"]));

        Assert.StartsWith("unknown option --epoch; did you mean --epochs? (train takes --device, --data, --test, --out, --epochs,", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void Another_verbs_switch_is_unknown()
    {
        var error = Assert.Throws<UserInputException>(() => ConfigurationLoader.Load(CommandSwitches.Eval, ["--epochs", "5"]));

        Assert.Equal("unknown option --epochs (eval takes --run, --data, --device, --iw, --out or any setting as --Section:Key=value; eval --help explains them)", error.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_known_section_lists_the_sections_keys()
    {
        var error = Assert.Throws<UserInputException>(() => ConfigurationLoader.Load(CommandSwitches.Train, ["--Training:Epoch=5"]));

        Assert.StartsWith("unknown option --Training:Epoch; did you mean Training:Epochs? (Training has Epochs, BatchSize,", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_section_lists_the_top_level_names()
    {
        var error = Assert.Throws<UserInputException>(() => ConfigurationLoader.Load(CommandSwitches.Train, ["--Trainng:Epochs=5"]));

        Assert.Equal("unknown option --Trainng:Epochs; did you mean Training:Epochs? (settings are Device, Kernels, Data, Run, Model, Training, Sample, Analysis, Distributed)", error.Message);
    }

    [Fact]
    public void A_section_given_a_value_is_refused()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigurationLoader.Load(CommandSwitches.Train, ["--Training=5"]));

        Assert.Equal("Training", error.Key);
        OptionsAssert.NamesKeyAndValue(error, "Training", "5");
    }

    [Theory]
    [InlineData("unexpected argument 'data'", "data")]
    [InlineData("unexpected argument '/tmp/data'", "/tmp/data")]
    [InlineData("unknown option '-e'", "-e", "5")]
    [InlineData("unexpected argument '--'", "--", "5")]
    [InlineData("unexpected argument '--=5'", "--=5")]
    [InlineData("option --epochs needs a value", "--epochs")]
    [InlineData("option --epochs needs a value", "--seed", "3", "--epochs")]
    public void Arguments_the_provider_would_skip_are_refused(string expectedStart, params string[] args)
    {
        var error = Assert.Throws<UserInputException>(() => ConfigurationLoader.Build(CommandSwitches.Train, args));

        Assert.StartsWith(expectedStart, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("--epochs", "abc", "Training:Epochs", "not a whole number")]
    [InlineData("--epochs", "2.5", "Training:Epochs", "not a whole number")]
    [InlineData("--epochs", "99999999999", "Training:Epochs", "out of range")]
    [InlineData("--seed", "-1", "Training:Seed", "out of range")]
    [InlineData("--seed", "1e3", "Training:Seed", "not a whole number")]
    [InlineData("--lr", "fast", "Training:LearningRate", "not a number")]
    [InlineData("--Training:CudaGraphs", "sometimes", "Training:CudaGraphs", "not true or false")]
    [InlineData("--Data:PixelMax", "0,1", "Data:PixelMax", "not a number")]
    public void A_value_of_the_wrong_type_names_key_value_and_source(string name, string value, string key, string reason)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigurationLoader.Load(CommandSwitches.Train, [name, value]));

        Assert.Equal(key, error.Key);
        Assert.StartsWith($"{key} = '{value}': {reason}", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(from the command line)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    /// <summary>Too large for an int: the message gives the key's own range, not int's (which would invite a negative).</summary>
    [Theory]
    [InlineData("--warmup-steps", "99999999999", "Training:WarmupSteps", "a whole number of at least 0")]
    [InlineData("--warmup-steps", "-99999999999", "Training:WarmupSteps", "a whole number of at least 0")]
    [InlineData("--batch-size", "99999999999", "Training:BatchSize", "a whole number from 1 to 65536")]
    [InlineData("--exclude-class", "-99999999999", "Training:ExcludeClass", "a whole number from -1 to 255")]
    public void A_whole_number_beyond_int_states_the_keys_own_range(string name, string value, string key, string range)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigurationLoader.Load(CommandSwitches.Train, [name, value]));

        Assert.StartsWith($"{key} = '{value}': out of range ({range})", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(int.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    private static CommandSwitches ByVerb(string verb) => Documented.Keys.Single(s => s.Verb == verb);
}
