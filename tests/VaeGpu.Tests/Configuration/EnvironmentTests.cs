using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;

namespace VaeGpu.Tests.Configuration;

/// <summary>Tests that change the process environment, which every configuration load reads.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "process environment";
}

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class EnvironmentTests
{
    [Fact]
    public void A_prefixed_variable_sets_its_key_and_the_command_line_overrides_it()
    {
        using var _ = new EnvironmentVariable("VAEGPU__Training__Epochs", "7");

        Assert.Equal(7, ConfigurationLoader.Load(CommandSwitches.Train, []).Training.Epochs);
        Assert.Equal(5, ConfigurationLoader.Load(CommandSwitches.Train, ["--epochs", "5"]).Training.Epochs);
        Assert.Equal(4, ConfigurationLoader.Load(CommandSwitches.Train, ["--Training:Epochs=4"]).Training.Epochs);
    }

    [Fact]
    public void A_prefixed_variable_overrides_a_saved_config()
    {
        using var _ = new EnvironmentVariable("VAEGPU__Model__Latent", "8");

        VaeGpuOptions loaded = ConfigurationLoader.Load(CommandSwitches.Train, [], """{ "Model": { "Latent": 32, "Hidden": "100" } }""");

        Assert.Equal(8, loaded.Model.Latent);
        Assert.Equal("100", loaded.Model.Hidden);
    }

    [Fact]
    public void Other_variables_are_not_settings()
    {
        using var debug = new EnvironmentVariable("VAEGPU_DEBUG", "1");
        using var other = new EnvironmentVariable("VAEGPU_TEST_UNRELATED__Training__Epoch", "x");
        using var plain = new EnvironmentVariable("Training__Epoch", "x");

        OptionsAssert.AllValuesEqual(new VaeGpuOptions(), ConfigurationLoader.Load(CommandSwitches.Train, []));
    }

    [Fact]
    public void An_unknown_prefixed_variable_is_named_as_typed()
    {
        using var _ = new EnvironmentVariable("VAEGPU__Training__Epoch", "7");

        var error = Assert.Throws<UserInputException>(() => ConfigurationLoader.Load(CommandSwitches.Train, []));

        Assert.StartsWith("unknown setting environment variable VAEGPU__Training__Epoch (Training has Epochs,", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_prefixed_variable_names_the_variable()
    {
        using var _ = new EnvironmentVariable("VAEGPU__Training__BatchSize", "big");

        var error = Assert.Throws<ConfigException>(() => ConfigurationLoader.Load(CommandSwitches.Train, []));

        Assert.Equal("Training:BatchSize = 'big': not a whole number (from environment variable VAEGPU__Training__BatchSize)", error.Message);
    }

    /// <summary>A range is checked after binding (OptionsValidator), yet the line still names the variable, as a parse error does.</summary>
    [Theory]
    [InlineData("VAEGPU__Training__WarmupSteps", "-5", "Training:WarmupSteps = '-5': must be at least 0")]
    [InlineData("VAEGPU__Training__BatchSize", "0", "Training:BatchSize = '0': must be 1 to 65536")]
    [InlineData("VAEGPU__Model__GaussianSigma", "-1", "Model:GaussianSigma = '-1': must be a finite number greater than 0")]
    public void A_prefixed_variable_out_of_range_names_the_variable(string variable, string value, string says)
    {
        using var _ = new EnvironmentVariable(variable, value);
        using var temp = new TempDirectory();
        var cli = new Commands.CliHarness();

        cli.AssertUserError(2, $"{says} (from environment variable {variable})",
            "train", "--device", "cpu", "--data", "embedded", "--epochs", "1", "--out", temp.File("run"));
        Assert.False(Directory.Exists(temp.File("run")));
    }

    [Fact]
    public void A_value_out_of_range_on_the_command_line_says_so()
    {
        using var temp = new TempDirectory();
        var cli = new Commands.CliHarness();

        cli.AssertUserError(2, "Training:WarmupSteps = '-5': must be at least 0 (from the command line)",
            "train", "--device", "cpu", "--data", "embedded", "--warmup-steps", "-5", "--out", temp.File("run"));
    }
}

/// <summary>Sets an environment variable for the life of a test and restores the old value.</summary>
internal sealed class EnvironmentVariable : IDisposable
{
    private readonly string _name;
    private readonly string? _previous;

    public EnvironmentVariable(string name, string? value)
    {
        _name = name;
        _previous = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose() => Environment.SetEnvironmentVariable(_name, _previous);
}
