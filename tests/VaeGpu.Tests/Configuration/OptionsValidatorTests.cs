using VaeGpu.Accelerators;
using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Configuration;

public sealed class OptionsValidatorTests
{
    private const int FashionMnistPixels = 784;

    [Fact]
    public void Defaults_validate_into_the_documented_architecture_and_training_settings()
    {
        var validator = new OptionsValidator(new VaeGpuOptions());

        Assert.Equal(
            new VaeArchitecture(FashionMnistPixels, [400], 20, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f)),
            validator.Architecture(FashionMnistPixels));
        Assert.Equal(
            new TrainingSettings(10, 128, 1UL, new KlWeight(1f, 0), new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), 20),
            validator.Training());
        Assert.Equal(DeviceRequest.Auto, validator.Device());
        Assert.Equal(1000, validator.EvalBatchSize());
        Assert.Equal(64, validator.SampleCount());
        Assert.Equal(KernelChoice.Default, validator.Kernels());
    }

    [Fact]
    public void Kernel_versions_reach_the_validated_choice()
    {
        VaeGpuOptions options = ConfigurationLoader.Load(CommandSwitches.Train, ["--Kernels:Linear=2", "--Kernels:Elbo=2", "--Kernels:Step=2", "--Kernels:CpuGemm=1"]);

        Assert.Equal(new KernelChoice(new VaeGpu.Kernels.KernelVersions(2, 2, 2), 1), new OptionsValidator(options).Kernels());
    }

    [Fact]
    public void Switches_reach_the_validated_settings()
    {
        VaeGpuOptions options = ConfigurationLoader.Load(CommandSwitches.Train,
        [
            "--hidden", "512, 256", "--latent", "4096", "--activation", "leaky_relu", "--likelihood", "Gaussian",
            "--Model:GaussianSigma=0.25", "--batch-size", "65536", "--beta", "0", "--warmup-steps", "500",
            "--seed", "18446744073709551615", "--lr", "0.0003", "--Training:Beta1=0", "--device", "opencl:1:0",
        ]);
        var validator = new OptionsValidator(options);

        Assert.Equal(
            new VaeArchitecture(FashionMnistPixels, [512, 256], 4096, Activation.LeakyRelu, Likelihood.Gaussian(0.25f), new LogVarClamp(-30f, 20f)),
            validator.Architecture(FashionMnistPixels));
        Assert.Equal(
            new TrainingSettings(10, 65536, ulong.MaxValue, new KlWeight(0f, 500), new AdamSettings(3e-4f, 0f, 0.999f, 1e-8f), 20),
            validator.Training());
        Assert.Equal(new DeviceRequest(DeviceKind.OpenCl, 1, 0), validator.Device());
    }

    public static TheoryData<string, string, string> BadValues => new()
    {
        // key, value given, value as the message quotes it
        { "Training:Epochs", "0", "0" },
        { "Training:Epochs", "-3", "-3" },
        { "Training:BatchSize", "0", "0" },
        { "Training:BatchSize", "65537", "65537" },
        { "Training:LearningRate", "0", "0" },
        { "Training:LearningRate", "-0.001", "-0.001" },
        { "Training:LearningRate", "NaN", "NaN" },
        { "Training:LearningRate", "Infinity", "Infinity" },
        { "Training:LearningRate", "1e300", "1E+300" },
        { "Training:LearningRate", "1e-50", "1E-50" },
        { "Training:Beta1", "1", "1" },
        { "Training:Beta1", "-0.1", "-0.1" },
        { "Training:Beta1", "0.999999999", "0.999999999" },
        { "Training:Beta2", "1", "1" },
        { "Training:Beta2", "1.5", "1.5" },
        { "Training:Epsilon", "0", "0" },
        { "Training:Epsilon", "-1e-8", "-1E-08" },
        { "Training:Beta", "-0.5", "-0.5" },
        { "Training:Beta", "NaN", "NaN" },
        { "Training:Beta", "Infinity", "Infinity" },
        { "Training:WarmupSteps", "-1", "-1" },
        { "Training:ReportEvery", "0", "0" },
        { "Training:EvalBatchSize", "0", "0" },
        { "Model:Hidden", "", "" },
        { "Model:Hidden", "0", "0" },
        { "Model:Hidden", "65537", "65537" },
        { "Model:Hidden", "400,,200", "400,,200" },
        { "Model:Hidden", "400;200", "400;200" },
        { "Model:Hidden", "wide", "wide" },
        { "Model:Latent", "0", "0" },
        { "Model:Latent", "4097", "4097" },
        { "Model:Activation", "sigmoid", "sigmoid" },
        { "Model:Activation", "swish", "swish" },
        { "Model:Likelihood", "poisson", "poisson" },
        { "Model:GaussianSigma", "0", "0" },
        { "Model:GaussianSigma", "-0.1", "-0.1" },
        { "Model:GaussianSigma", "NaN", "NaN" },
        { "Model:GaussianSigma", "0,1", "0,1" },
        { "Model:GaussianSigma", "wide", "wide" },
        { "Model:LogVarMin", "20", "20" },
        { "Model:LogVarMin", "NaN", "NaN" },
        { "Model:LogVarMax", "Infinity", "Infinity" },
        { "Sample:Count", "0", "0" },
        { "Device", "gpu", "gpu" },
        { "Kernels:Linear", "0", "0" },
        { "Kernels:Linear", "3", "3" },
        { "Kernels:Elbo", "3", "3" },
        { "Kernels:Step", "0", "0" },
        { "Kernels:Step", "3", "3" },
        { "Kernels:CpuGemm", "0", "0" },
        { "Kernels:CpuGemm", "3", "3" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_one_line_naming_the_key_and_the_value(string key, string value, string quoted)
    {
        VaeGpuOptions options = ConfigurationLoader.Load(CommandSwitches.Train, [$"--{key}={value}"]);

        ConfigException error = Assert.Throws<ConfigException>(() => ValidateEverything(new OptionsValidator(options)));

        Assert.Equal(key, error.Key);
        OptionsAssert.NamesKeyAndValue(error, key, quoted);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void Log_variance_bounds_must_be_ordered()
    {
        var options = new VaeGpuOptions { Model = { LogVarMin = 5f, LogVarMax = -5f } };

        ConfigException error = Assert.Throws<ConfigException>(() => new OptionsValidator(options).Architecture(FashionMnistPixels));

        Assert.Equal("Model:LogVarMin = '5': must be below Model:LogVarMax (-5)", error.Message);
    }

    [Fact]
    public void Required_paths_report_themselves_missing()
    {
        var validator = new OptionsValidator(new VaeGpuOptions());

        ConfigException data = Assert.Throws<ConfigException>(validator.DataDir);
        ConfigException run = Assert.Throws<ConfigException>(validator.RunDir);

        Assert.StartsWith("Data:Dir = (missing): required", data.Message, StringComparison.Ordinal);
        Assert.StartsWith("Run:Dir = (missing): required", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_whole_number_setting_has_a_range()
    {
        string[] missing = OptionsSchema.Leaves.Where(leaf => leaf.Type == typeof(int)).Select(leaf => leaf.Key).Where(key => !WholeNumberRanges.ByKey.ContainsKey(key)).ToArray();

        Assert.True(missing.Length == 0, $"no WholeNumberRanges entry for {string.Join(", ", missing)}");
    }

    /// <summary>The range the checker states is the one the validator enforces: its ends pass, one beyond fails, naming the key.</summary>
    [Theory]
    [MemberData(nameof(StaticRanges))]
    public void The_validator_enforces_each_stated_range(string key)
    {
        WholeNumberRanges.Range range = WholeNumberRanges.Of(key);
        foreach (int inside in new[] { range.Min, range.Max })
            Assert.Null(RefusalOf(key, inside));
        if (range.Min > int.MinValue)
            Assert.Equal($"{key} = '{range.Min - 1}': {range.Requirement}", RefusalOf(key, range.Min - 1));
        if (range.Max < int.MaxValue)
            Assert.Equal($"{key} = '{range.Max + 1}': {range.Requirement}", RefusalOf(key, range.Max + 1));
    }

    // From and To are test image indices, also bounded by the test set (InterpolationEnds); Shards must also divide the
    // batch (Shards_must_divide_the_batch_and_leave_BatchNorm_whole).
    public static TheoryData<string> StaticRanges() =>
        new(WholeNumberRanges.ByKey.Keys.Where(key => key is not ("Analysis:From" or "Analysis:To" or "Distributed:Shards")));

    [Theory]
    [InlineData(1, 128, "none", null)]
    [InlineData(2, 128, "none", null)]
    [InlineData(128, 128, "none", null)]
    [InlineData(65536, 65536, "none", null)]
    [InlineData(0, 128, "none", "Distributed:Shards = '0': must be 1 to 65536")]
    [InlineData(65537, 65536, "none", "Distributed:Shards = '65537': must be 1 to 65536")]
    [InlineData(3, 128, "none", "Distributed:Shards = '3': must divide Training:BatchSize (128) into equal shards")]
    [InlineData(256, 128, "none", "Distributed:Shards = '256': must divide Training:BatchSize (128) into equal shards")]
    [InlineData(2, 128, "batch",
        "Distributed:Shards = '2': cannot split the batch of a model with Model:Norm = batch (a BatchNorm normalizes by its whole batch)")]
    [InlineData(1, 128, "batch", null)]
    public void Shards_must_divide_the_batch_and_leave_BatchNorm_whole(int shards, int batchSize, string norm, string? refusal)
    {
        var options = new VaeGpuOptions { Distributed = { Shards = shards }, Training = { BatchSize = batchSize }, Model = { Norm = norm } };
        if (refusal is null)
            Assert.Equal(shards, new OptionsValidator(options).Training().Shards);
        else
            Assert.Equal(refusal, Assert.Throws<ConfigException>(() => new OptionsValidator(options).Training()).Message);
    }

    /// <summary>The validator's message for <paramref name="key"/> = <paramref name="value"/>, or null when no check refuses that key.</summary>
    private static string? RefusalOf(string key, int value)
    {
        // Data:Width and Data:Height go together: the other one is set to a valid size (0 with 0), so that only the range is tested.
        int partner = value == 0 ? 0 : Math.Clamp(value, 1, OptionsValidator.MaxWidth);
        string[] args = key switch
        {
            "Data:Width" => [$"--Data:Width={value}", $"--Data:Height={partner}"],
            "Data:Height" => [$"--Data:Width={partner}", $"--Data:Height={value}"],
            _ => [$"--{key}={value}"],
        };
        var validator = new OptionsValidator(ConfigurationLoader.Load(CommandSwitches.Train, args));
        try
        {
            ValidateEverything(validator);
            validator.CheckpointEverySteps();
            validator.ExcludeClass();
            validator.ImportanceSamples();
            validator.ScoreImportanceSamples();
            validator.InterpolationSteps();
            validator.Data();
            return null;
        }
        catch (ConfigException e) when (e.Key == key)
        {
            return e.Message;
        }
    }

    private static void ValidateEverything(OptionsValidator validator)
    {
        validator.Device();
        validator.Kernels();
        validator.Architecture(FashionMnistPixels);
        validator.Training();
        validator.EvalBatchSize();
        validator.SampleCount();
    }
}
