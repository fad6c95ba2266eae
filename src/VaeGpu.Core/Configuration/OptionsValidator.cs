using System.Globalization;
using VaeGpu.Accelerators;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Configuration;

/// <summary>
/// Turns bound <see cref="VaeGpuOptions"/> into the typed settings the rest of the program uses, or
/// throws a <see cref="ConfigException"/> naming the full key, the value and what is wrong with it.
/// Each method checks only what it returns, so a verb validates only the settings it uses.
/// </summary>
public sealed class OptionsValidator(VaeGpuOptions options)
{
    public const int MaxWidth = 65536;
    public const int MaxLatent = 4096;
    public const int MaxBatchSize = 65536;
    public const int MaxSampleCount = 65536;

    public VaeGpuOptions Options { get; } = options;

    public DeviceRequest Device() => DeviceRequest.Parse(Options.Device, "Device");

    /// <summary>The kernel versions of the `Kernels` section, each checked against the versions that exist.</summary>
    public KernelChoice Kernels() => new(
        new VaeGpu.Kernels.KernelVersions(
            Whole("Kernels:Linear", Options.Kernels.Linear),
            Whole("Kernels:Elbo", Options.Kernels.Elbo),
            Whole("Kernels:Step", Options.Kernels.Step),
            Whole("Kernels:Conv", Options.Kernels.Conv)),
        Whole("Kernels:CpuGemm", Options.Kernels.CpuGemm));

    /// <summary>How to read the data sources (Data:*), checked.</summary>
    public Data.DataSettings Data()
    {
        DataOptions data = Options.Data;
        Data.DataFormat format = data.Format?.Trim().ToLowerInvariant() switch
        {
            "auto" => VaeGpu.Data.DataFormat.Auto,
            "idx" => VaeGpu.Data.DataFormat.Idx,
            "csv" => VaeGpu.Data.DataFormat.Csv,
            "tsv" => VaeGpu.Data.DataFormat.Tsv,
            "parquet" => VaeGpu.Data.DataFormat.Parquet,
            "images" => VaeGpu.Data.DataFormat.Images,
            _ => throw new ConfigException("Data:Format", data.Format, "unknown format (use auto, idx, csv, tsv, parquet or images)"),
        };
        bool rgb = data.Color?.Trim().ToLowerInvariant() switch
        {
            "grey" or "gray" => false,
            "rgb" => true,
            _ => throw new ConfigException("Data:Color", data.Color, "unknown colour mode (use grey or rgb)"),
        };
        int skip = Whole("Data:SkipRows", data.SkipRows);
        int width = Whole("Data:Width", data.Width);
        int height = Whole("Data:Height", data.Height);
        if ((width == 0) != (height == 0))
            throw new ConfigException(width == 0 ? "Data:Width" : "Data:Height", "0", "set both Data:Width and Data:Height, or neither");
        if (!double.IsFinite(data.TestFraction) || data.TestFraction <= 0 || data.TestFraction > 0.9)
            throw new ConfigException("Data:TestFraction", Text(data.TestFraction), "must be above 0 and at most 0.9");
        float pixelMax = Positive("Data:PixelMax", data.PixelMax);
        string[] exclude = data.Exclude is null ? [] : data.Exclude.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new Data.DataSettings(format, data.Header, skip, data.Label, data.Id, exclude, data.TestFraction,
            width, height, rgb, pixelMax, data.Standardize);
    }

    /// <summary>--threshold P: a percentile from 0 to 100, or null when not asked for (negative).</summary>
    public double? Threshold()
    {
        double p = Options.Analysis.Threshold;
        if (!double.IsFinite(p) || p > 100)
            throw new ConfigException("Analysis:Threshold", Text(p), "must be a percentile from 0 to 100");
        return p < 0 ? null : p;
    }

    /// <param name="table">Whether the data is a feature table: Model:Likelihood = auto then means gaussian.</param>
    /// <param name="image">The images' height, width and channels, which a conv architecture needs (null for a table).</param>
    public VaeArchitecture Architecture(int inputSize, bool table, (int Height, int Width, int Channels)? image = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ModelOptions model = Options.Model;
        int latent = Whole("Model:Latent", model.Latent);
        if (!ActivationNames.TryParseHidden(model.Activation, out Activation activation))
            throw new ConfigException("Model:Activation", model.Activation, "unknown activation (use relu, tanh or leaky_relu)");
        ConvNorm norm = model.Norm?.Trim().ToLowerInvariant() switch
        {
            "none" => ConvNorm.None,
            "batch" => ConvNorm.Batch,
            _ => throw new ConfigException("Model:Norm", model.Norm, "unknown normalization (use none or batch)"),
        };
        switch (model.Architecture?.Trim().ToLowerInvariant())
        {
            case "mlp":
                if (norm != ConvNorm.None)
                    throw new ConfigException("Model:Norm", model.Norm, "BatchNorm2d follows convolutions: it needs Model:Architecture = conv");
                return new VaeArchitecture(inputSize, HiddenWidths(model.Hidden), latent, activation, Likelihood(table), LogVarClamp());
            case "conv":
                if (table || image is null)
                    throw new ConfigException("Model:Architecture", model.Architecture, "needs images: a table's records have no height and width (use mlp)");
                IReadOnlyList<int> channels = Widths("Model:Channels", model.Channels, "channel count", "32,64");
                var conv = new ConvSpec(image.Value.Height, image.Value.Width, image.Value.Channels, channels) { Norm = norm };
                var architecture = new VaeArchitecture(inputSize, [], latent, activation, Likelihood(table), LogVarClamp()) { Conv = conv };
                try
                {
                    _ = new VaeLayout(architecture);
                }
                catch (ArgumentException e)
                {
                    // A 4×4 window with padding 1 needs at least 2 pixels: too many halvings of a small image.
                    throw new ConfigException("Model:Channels", model.Channels, $"{image.Value.Height}×{image.Value.Width} images: {e.Message}");
                }
                return architecture;
            default:
                throw new ConfigException("Model:Architecture", model.Architecture, "unknown architecture (use mlp or conv)");
        }
    }

    public VaeArchitecture Architecture(int inputSize) => Architecture(inputSize, table: false);

    public TrainingSettings Training()
    {
        TrainingOptions training = Options.Training;
        int epochs = Whole("Training:Epochs", training.Epochs);
        int batchSize = Whole("Training:BatchSize", training.BatchSize);
        var adam = new AdamSettings(
            Positive("Training:LearningRate", training.LearningRate),
            UnitInterval("Training:Beta1", training.Beta1),
            UnitInterval("Training:Beta2", training.Beta2),
            Positive("Training:Epsilon", training.Epsilon));
        float beta = Single("Training:Beta", training.Beta);
        if (beta < 0f)
            throw new ConfigException("Training:Beta", Text(training.Beta), "must be at least 0");
        int warmup = Whole("Training:WarmupSteps", training.WarmupSteps);
        int reportEvery = Whole("Training:ReportEvery", training.ReportEvery);
        return new TrainingSettings(epochs, batchSize, training.Seed, new KlWeight(beta, warmup), adam, reportEvery)
        {
            CaptureSteps = training.CudaGraphs,
            Shards = Shards(batchSize),
        };
    }

    /// <summary>Distributed:Shards, which must divide the batch; a BatchNorm's batch statistics cannot be split.</summary>
    private int Shards(int batchSize)
    {
        int shards = Whole("Distributed:Shards", Options.Distributed.Shards);
        if (batchSize % shards != 0)
            throw new ConfigException("Distributed:Shards", Text(shards), $"must divide Training:BatchSize ({batchSize}) into equal shards");
        if (shards > 1 && string.Equals(Options.Model.Norm?.Trim(), "batch", StringComparison.OrdinalIgnoreCase))
            throw new ConfigException("Distributed:Shards", Text(shards),
                "cannot split the batch of a model with Model:Norm = batch (a BatchNorm normalizes by its whole batch)");
        return shards;
    }

    /// <summary>Steps between mid-epoch checkpoints; 0 means every few minutes of wall-clock time.</summary>
    public int CheckpointEverySteps() => Whole("Training:CheckpointEverySteps", Options.Training.CheckpointEverySteps);

    public int EvalBatchSize() => Whole("Training:EvalBatchSize", Options.Training.EvalBatchSize);

    public int SampleCount() => Whole("Sample:Count", Options.Sample.Count);

    public const int MaxImportanceSamples = 1_000_000;
    public const int MaxInterpolationSteps = 1024;

    /// <summary>The class left out of training, or null to keep every class.</summary>
    public int? ExcludeClass()
    {
        int value = Whole("Training:ExcludeClass", Options.Training.ExcludeClass);
        return value < 0 ? null : value;
    }

    /// <summary>eval's importance samples per image; 0 skips -log p(x).</summary>
    public int ImportanceSamples() =>
        Whole("Analysis:ImportanceSamples", Options.Analysis.ImportanceSamples);

    /// <summary>score's importance samples per image; 0 scores by -ELBO.</summary>
    public int ScoreImportanceSamples() =>
        Whole("Analysis:ScoreImportanceSamples", Options.Analysis.ScoreImportanceSamples);

    /// <summary>interpolate's two test image indices, each below <paramref name="testCount"/>.</summary>
    public (int From, int To) InterpolationEnds(int testCount)
    {
        int from = InRange("Analysis:From", Options.Analysis.From, 0, testCount - 1);
        int to = InRange("Analysis:To", Options.Analysis.To, 0, testCount - 1);
        return (from, to);
    }

    public int InterpolationSteps() => Whole("Analysis:Steps", Options.Analysis.Steps);

    /// <summary>True for spherical interpolation, false for linear.</summary>
    public bool SphericalPath() => Options.Analysis.Path?.Trim().ToLowerInvariant() switch
    {
        "linear" => false,
        "spherical" => true,
        _ => throw new ConfigException("Analysis:Path", Options.Analysis.Path, "unknown path (use linear or spherical)"),
    };

    /// <summary>reconstruct's salt-and-pepper probability, 0 to 1.</summary>
    public float Noise()
    {
        double value = Options.Analysis.Noise;
        if (!double.IsFinite(value) || value < 0 || value > 1)
            throw new ConfigException("Analysis:Noise", Text(value), "must be a probability from 0 to 1");
        return (float)value;
    }

    /// <summary>The dataset directory, which train and eval cannot do without.</summary>
    public string DataDir() =>
        Options.Data.Dir ?? throw new ConfigException("Data:Dir", null, "required: the directory holding the Fashion-MNIST idx files");

    /// <summary>The existing run that eval, sample and reconstruct work on.</summary>
    public string RunDir() =>
        Options.Run.Dir ?? throw new ConfigException("Run:Dir", null, "required: the directory of an existing training run");

    /// <summary>Model:GaussianSigma's auto for a table: its features are standardized to variance 1.</summary>
    public const float TableSigma = 1f;

    /// <summary>Model:GaussianSigma's auto for images: a tenth of the [0, 1] pixel range.</summary>
    public const float ImageSigma = 0.1f;

    /// <summary>Model:GaussianSigma as a number: auto resolved for a table or for images.</summary>
    public float GaussianSigma(bool table)
    {
        string? text = Options.Model.GaussianSigma?.Trim();
        if (string.IsNullOrEmpty(text) || text.Equals("auto", StringComparison.OrdinalIgnoreCase))
            return table ? TableSigma : ImageSigma;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float sigma))
            throw new ConfigException("Model:GaussianSigma", text, "not a number (use auto or a number greater than 0)");
        // Checked even for a Bernoulli model: a nonsense σ is a mistake wherever it sits, and it
        // would surface later if the likelihood were switched on resume or from the command line.
        if (!float.IsFinite(sigma) || sigma <= 0f)
            throw new ConfigException("Model:GaussianSigma", text, "must be a finite number greater than 0");
        return sigma;
    }

    private Likelihood Likelihood(bool table)
    {
        ModelOptions model = Options.Model;
        float sigma = GaussianSigma(table);
        Likelihood likelihood = model.Likelihood?.Trim().ToLowerInvariant() switch
        {
            "auto" => table ? Accelerators.Likelihood.Gaussian(sigma) : Accelerators.Likelihood.Bernoulli,
            "bernoulli" => Accelerators.Likelihood.Bernoulli,
            "gaussian" => Accelerators.Likelihood.Gaussian(sigma),
            _ => throw new ConfigException("Model:Likelihood", model.Likelihood, "unknown likelihood (use auto, bernoulli or gaussian)"),
        };
        if (!model.LearnSigma) return likelihood;
        if (likelihood.Kind != LikelihoodKind.Gaussian)
            throw new ConfigException("Model:LearnSigma", "true", $"only a gaussian likelihood has a σ to learn (the likelihood is {likelihood.Kind.ToString().ToLowerInvariant()})");
        return Accelerators.Likelihood.GaussianLearned(sigma);
    }

    private LogVarClamp LogVarClamp()
    {
        ModelOptions model = Options.Model;
        if (!float.IsFinite(model.LogVarMin))
            throw new ConfigException("Model:LogVarMin", Text(model.LogVarMin), "must be a finite number");
        if (!float.IsFinite(model.LogVarMax))
            throw new ConfigException("Model:LogVarMax", Text(model.LogVarMax), "must be a finite number");
        if (model.LogVarMin >= model.LogVarMax)
            throw new ConfigException("Model:LogVarMin", Text(model.LogVarMin), $"must be below Model:LogVarMax ({Text(model.LogVarMax)})");
        return new LogVarClamp(model.LogVarMin, model.LogVarMax);
    }

    private static IReadOnlyList<int> HiddenWidths(string? text) => Widths("Model:Hidden", text, "layer width", "512,256");

    /// <summary>A comma-separated list of layer sizes (Model:Hidden, Model:Channels), each 1 to <see cref="MaxWidth"/>.</summary>
    private static IReadOnlyList<int> Widths(string key, string? text, string what, string example)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ConfigException(key, text, $"must list at least one {what}, e.g. {example}");
        var widths = new List<int>();
        foreach (string part in text.Split(','))
        {
            if (!int.TryParse(part.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int width))
                throw new ConfigException(key, text, $"{what} '{part.Trim()}' is not a whole number (use comma-separated numbers, e.g. {example})");
            if (width < 1 || width > MaxWidth)
                throw new ConfigException(key, text, $"{what} {width} is out of range (each must be 1 to {MaxWidth})");
            widths.Add(width);
        }
        return widths;
    }

    /// <summary>A whole-number setting checked against its range in <see cref="WholeNumberRanges"/>.</summary>
    private static int Whole(string key, int value)
    {
        WholeNumberRanges.Range range = WholeNumberRanges.Of(key);
        return range.Contains(value) ? value : throw new ConfigException(key, Text(value), range.Requirement);
    }

    private static int InRange(string key, int value, int min, int max) =>
        value >= min && value <= max ? value : throw new ConfigException(key, Text(value), $"must be {min} to {max}");

    private static float Positive(string key, double value)
    {
        float single = Single(key, value);
        if (value <= 0)
            throw new ConfigException(key, Text(value), "must be greater than 0");
        if (single == 0f)
            throw new ConfigException(key, Text(value), "too small: it rounds to 0 in single precision");
        return single;
    }

    /// <summary>An Adam decay rate: 0 ≤ value &lt; 1, also after rounding to single precision.</summary>
    private static float UnitInterval(string key, double value)
    {
        float single = Single(key, value);
        if (value < 0 || value >= 1)
            throw new ConfigException(key, Text(value), "must be at least 0 and below 1");
        if (single >= 1f)
            throw new ConfigException(key, Text(value), "must be below 1, but it rounds to 1 in single precision");
        return single;
    }

    /// <summary>The devices compute in single precision, so a value must survive the conversion.</summary>
    private static float Single(string key, double value)
    {
        float single = (float)value;
        return float.IsFinite(single) ? single : throw new ConfigException(key, Text(value), "must be a finite number");
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
