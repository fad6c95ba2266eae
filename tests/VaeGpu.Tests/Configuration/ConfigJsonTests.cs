using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Configuration;

public sealed class ConfigJsonTests
{
    private static VaeGpuOptions NothingDefault() => new()
    {
        Device = "cuda:1",
        Data = { Dir = "/data/fashion" },
        Run = { Out = "runs/a", Resume = "runs/b", Dir = "runs/c" },
        Model =
        {
            Hidden = "512,256", Latent = 32, Activation = "tanh", Likelihood = "gaussian",
            GaussianSigma = "0.05", LogVarMin = -10.5f, LogVarMax = 7.25f,
        },
        Training =
        {
            Epochs = 3, BatchSize = 64, LearningRate = 3e-4, Beta1 = 0.8, Beta2 = 0.99, Epsilon = 1e-7, Beta = 0.5,
            WarmupSteps = 1000, Seed = ulong.MaxValue, ReportEvery = 7, EvalBatchSize = 500,
        },
        Sample = { Count = 16, Out = "samples.png" },
    };

    [Fact]
    public void Saved_options_round_trip_through_the_resume_overload()
    {
        VaeGpuOptions saved = NothingDefault();

        VaeGpuOptions loaded = ConfigurationLoader.Load(CommandSwitches.Train, [], ConfigurationLoader.ToJson(saved));

        OptionsAssert.AllValuesEqual(saved, loaded);
    }

    [Fact]
    public void Unset_paths_stay_unset_after_a_round_trip()
    {
        VaeGpuOptions loaded = ConfigurationLoader.Load(CommandSwitches.Train, [], ConfigurationLoader.ToJson(new VaeGpuOptions()));

        Assert.Null(loaded.Data.Dir);
        Assert.Null(loaded.Run.Resume);
        Assert.Null(loaded.Sample.Out);
        OptionsAssert.AllValuesEqual(new VaeGpuOptions(), loaded);
    }

    [Fact]
    public void The_saved_config_replaces_appsettings_and_the_command_line_still_wins()
    {
        VaeGpuOptions loaded = ConfigurationLoader.Load(CommandSwitches.Train, ["--epochs", "9"], ConfigurationLoader.ToJson(NothingDefault()));

        Assert.Equal(9, loaded.Training.Epochs);
        Assert.Equal(64, loaded.Training.BatchSize);
        Assert.Equal("512,256", loaded.Model.Hidden);
    }

    [Fact]
    public void Json_keys_keep_the_configuration_names()
    {
        string json = ConfigurationLoader.ToJson(new VaeGpuOptions());

        Assert.Contains("\"Training\": {", json, StringComparison.Ordinal);
        Assert.Contains("\"BatchSize\": 128", json, StringComparison.Ordinal);
        Assert.Contains('\n', json);
    }

    [Fact]
    public void A_broken_saved_config_is_one_line_naming_it()
    {
        var error = Assert.Throws<UserInputException>(() =>
            ConfigurationLoader.Load(CommandSwitches.Train, [], "{ \"Training\": ", "runs/x/config.json"));

        Assert.StartsWith("runs/x/config.json is not valid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_saved_config_names_the_file()
    {
        var error = Assert.Throws<UserInputException>(() =>
            ConfigurationLoader.Load(CommandSwitches.Train, [], "{ \"Training\": { \"Epoch\": 3 } }", "runs/x/config.json"));

        Assert.StartsWith("unknown setting Training:Epoch in runs/x/config.json (Training has Epochs,", error.Message, StringComparison.Ordinal);
    }
}
