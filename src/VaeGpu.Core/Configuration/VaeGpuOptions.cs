namespace VaeGpu.Configuration;

// Bindable shapes of the configuration (appsettings.json, VAEGPU__* environment variables, the command
// line). Raw values only: OptionsValidator turns them into checked settings. Every default here must
// equal the one in src/VaeGpu.Cli/appsettings.json; a test compares the two.

/// <summary>The configuration root: one property per top-level key or section.</summary>
public sealed class VaeGpuOptions
{
    /// <summary>auto | cpu | cuda | cuda:N | opencl | opencl:P:D | ilgpu-cpu (see <see cref="DeviceRequest"/>).</summary>
    public string Device { get; set; } = "auto";

    public DataOptions Data { get; set; } = new();

    public RunOptions Run { get; set; } = new();

    public ModelOptions Model { get; set; } = new();

    public TrainingOptions Training { get; set; } = new();

    public SampleOptions Sample { get; set; } = new();

    public AnalysisOptions Analysis { get; set; } = new();
}

public sealed class DataOptions
{
    /// <summary>The directory holding the Fashion-MNIST idx files.</summary>
    public string? Dir { get; set => field = OptionalText.Normalize(value); }
}

public sealed class RunOptions
{
    /// <summary>Where a new training run writes its files.</summary>
    public string? Out { get; set => field = OptionalText.Normalize(value); }

    /// <summary>A run directory whose latest checkpoint training continues from.</summary>
    public string? Resume { get; set => field = OptionalText.Normalize(value); }

    /// <summary>An existing run, for eval, sample and reconstruct.</summary>
    public string? Dir { get; set => field = OptionalText.Normalize(value); }

    /// <summary>Lets train --out replace a directory that already holds a run (train --overwrite).</summary>
    public bool Overwrite { get; set; }
}

public sealed class ModelOptions
{
    /// <summary>Comma-separated hidden layer widths of the encoder; the decoder mirrors them.</summary>
    public string Hidden { get; set; } = "400";

    public int Latent { get; set; } = 20;

    /// <summary>relu | tanh | leaky_relu.</summary>
    public string Activation { get; set; } = "relu";

    /// <summary>bernoulli | gaussian.</summary>
    public string Likelihood { get; set; } = "bernoulli";

    /// <summary>The fixed σ of the Gaussian likelihood.</summary>
    public float GaussianSigma { get; set; } = 0.1f;

    public float LogVarMin { get; set; } = -30f;

    public float LogVarMax { get; set; } = 20f;
}

public sealed class TrainingOptions
{
    public int Epochs { get; set; } = 10;

    public int BatchSize { get; set; } = 128;

    public double LearningRate { get; set; } = 1e-3;

    public double Beta1 { get; set; } = 0.9;

    public double Beta2 { get; set; } = 0.999;

    public double Epsilon { get; set; } = 1e-8;

    /// <summary>The KL weight β.</summary>
    public double Beta { get; set; } = 1.0;

    /// <summary>Steps over which β ramps up linearly from β/WarmupSteps; 0 means no warm-up.</summary>
    public int WarmupSteps { get; set; }

    public ulong Seed { get; set; } = 1;

    /// <summary>Steps between loss read-backs.</summary>
    public int ReportEvery { get; set; } = 20;

    public int EvalBatchSize { get; set; } = 1000;

    /// <summary>A class label left out of the training set (train --exclude-class); -1 keeps every class.</summary>
    public int ExcludeClass { get; set; } = -1;

    /// <summary>Steps between mid-epoch checkpoints; 0 saves one every few minutes of training instead.</summary>
    public int CheckpointEverySteps { get; set; }
}

/// <summary>For the sample and reconstruct verbs.</summary>
public sealed class SampleOptions
{
    public int Count { get; set; } = 64;

    /// <summary>The image file to write.</summary>
    public string? Out { get; set => field = OptionalText.Normalize(value); }
}

/// <summary>For eval, score, interpolate and reconstruct --noise: what a trained model is used for.</summary>
public sealed class AnalysisOptions
{
    /// <summary>Importance samples per test image for eval's -log p(x) (eval --iw); 0 skips it.</summary>
    public int ImportanceSamples { get; set; } = 5000;

    /// <summary>Importance samples per image for score (score --iw); 0 scores by -ELBO.</summary>
    public int ScoreImportanceSamples { get; set; }

    /// <summary>Test image index where interpolate starts (--from).</summary>
    public int From { get; set; }

    /// <summary>Test image index where interpolate ends (--to).</summary>
    public int To { get; set; } = 1;

    /// <summary>Decoded points on the interpolation path, ends included (--steps).</summary>
    public int Steps { get; set; } = 10;

    /// <summary>linear | spherical (interpolate --spherical).</summary>
    public string Path { get; set; } = "linear";

    /// <summary>Salt-and-pepper probability for reconstruct --noise, 0 to 1.</summary>
    public double Noise { get; set; }
}

internal static class OptionalText
{
    // A JSON null binds as "" and an environment variable can only be emptied, not removed, so an
    // empty path has to mean "not set" or a saved config.json would not round-trip.
    public static string? Normalize(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
