using VaeGpu.Kernels;
using VaeGpu.Accelerators;
namespace VaeGpu.Configuration;

// Bindable shapes of the configuration (appsettings.json, VAEGPU__* environment variables, the command
// line). Raw values only: OptionsValidator turns them into checked settings. Every default here must
// equal the one in src/VaeGpu.Cli/appsettings.json; a test compares the two.

/// <summary>The configuration root: one property per top-level key or section.</summary>
public sealed class VaeGpuOptions
{
    /// <summary>auto | cpu | cuda | cuda:N | opencl | opencl:P:D | ilgpu-cpu (see <see cref="DeviceRequest"/>).</summary>
    public string Device { get; set; } = "auto";

    public KernelOptions Kernels { get; set; } = new();

    public DataOptions Data { get; set; } = new();

    public RunOptions Run { get; set; } = new();

    public ModelOptions Model { get; set; } = new();

    public TrainingOptions Training { get; set; } = new();

    public SampleOptions Sample { get; set; } = new();

    public AnalysisOptions Analysis { get; set; } = new();

    public DistributedOptions Distributed { get; set; } = new();
}

/// <summary>Data-parallel training: how a batch is split into shards whose gradients are summed in shard order.</summary>
public sealed class DistributedOptions
{
    /// <summary>Shards per batch, each of Training:BatchSize / Shards rows; 1 trains on the whole batch at once.</summary>
    public int Shards { get; set; } = 1;
}

/// <summary>Which numbered kernel version runs each GEMM family (see VaeGpu.Kernels.KernelVersions, CpuAccelerator).</summary>
public sealed class KernelOptions
{
    /// <summary>ILGPU linear kernels: 1 (4×4 per thread) or 2 (8×8).</summary>
    public int Linear { get; set; } = VaeGpu.Kernels.KernelVersions.DefaultLinear;

    /// <summary>ILGPU decoder-output + loss kernel: 1 (4×4 per thread) or 2 (8×8).</summary>
    public int Elbo { get; set; } = VaeGpu.Kernels.KernelVersions.DefaultElbo;

    /// <summary>How an ILGPU training step is cut into launches: 1 (op by op) or 2 (fused: fewer launches, same bits).</summary>
    public int Step { get; set; } = VaeGpu.Kernels.KernelVersions.DefaultStep;

    /// <summary>ILGPU convolution kernels (implicit GEMM): 1 (4×4 per thread) or 2 (8×8).</summary>
    public int Conv { get; set; } = VaeGpu.Kernels.KernelVersions.DefaultConv;

    /// <summary>The managed CPU accelerator's GEMM: 1 (6×16 Vector256, the reference) or 2 (8×32 Vector512).</summary>
    public int CpuGemm { get; set; } = Accelerators.Cpu.CpuAccelerator.LatestGemmVersion;
}

public sealed class DataOptions
{
    /// <summary>What to train on (--data): an IDX directory, a CSV/TSV or Parquet file, an image folder, or "embedded".</summary>
    [PathSetting]
    public string? Dir { get; set => field = OptionalText.Normalize(value); }

    /// <summary>A separate test file or folder; null splits Dir by TestFraction.</summary>
    [PathSetting]
    public string? Test { get; set => field = OptionalText.Normalize(value); }

    /// <summary>New data to score, encode or reconstruct with a trained run (score/latents/reconstruct --input).</summary>
    [PathSetting]
    public string? Input { get; set => field = OptionalText.Normalize(value); }

    /// <summary>auto | idx | csv | tsv | parquet | images.</summary>
    public string Format { get; set; } = "auto";

    /// <summary>Whether a CSV's first (non-skipped) line names the columns.</summary>
    public bool Header { get; set; } = true;

    /// <summary>Leading lines of a CSV that are not data (pandas' skiprows).</summary>
    public int SkipRows { get; set; }

    /// <summary>The label column, by name or position (-1 = last); null: no labels.</summary>
    public string? Label { get; set => field = OptionalText.Normalize(value); }

    /// <summary>The id column, by name or position, echoed by score; null: the record's index.</summary>
    public string? Id { get; set => field = OptionalText.Normalize(value); }

    /// <summary>Comma-separated columns to ignore, by name or position.</summary>
    public string? Exclude { get; set => field = OptionalText.Normalize(value); }

    /// <summary>The share of a single source held out as the test set, split with the run's seed.</summary>
    public double TestFraction { get; set; } = 0.2;

    /// <summary>Image width and height: images are resized to it; a table with Width × Height columns becomes images. 0: not set.</summary>
    public int Width { get; set; }

    public int Height { get; set; }

    /// <summary>grey | rgb, for image folders.</summary>
    public string Color { get; set; } = "grey";

    /// <summary>The value of a white pixel when a table is read as images (255; 16 for sklearn's digits).</summary>
    public double PixelMax { get; set; } = 255;

    /// <summary>Standardize a table's features (mean 0, variance 1 on the training split).</summary>
    public bool Standardize { get; set; } = true;
}

public sealed class RunOptions
{
    /// <summary>Where a new training run writes its files.</summary>
    [PathSetting]
    public string? Out { get; set => field = OptionalText.Normalize(value); }

    /// <summary>A run directory whose latest checkpoint training continues from.</summary>
    [PathSetting]
    public string? Resume { get; set => field = OptionalText.Normalize(value); }

    /// <summary>An existing run, for eval, sample and reconstruct.</summary>
    [PathSetting]
    public string? Dir { get; set => field = OptionalText.Normalize(value); }

    /// <summary>Lets train --out replace a directory that already holds a run (train --overwrite).</summary>
    public bool Overwrite { get; set; }
}

public sealed class ModelOptions
{
    /// <summary>mlp | conv: fully connected layers (Hidden), or convolutions (Channels) around a linear head.</summary>
    public string Architecture { get; set; } = "mlp";

    /// <summary>Comma-separated hidden layer widths of the encoder; the decoder mirrors them (mlp).</summary>
    public string Hidden { get; set; } = "400";

    /// <summary>Comma-separated output channels of the encoder's convolutions (conv): each Conv2d(4, stride 2, padding 1) halves the size.</summary>
    public string Channels { get; set; } = "32,64";

    /// <summary>none | batch: a BatchNorm2d after each hidden convolution, before its activation (conv).</summary>
    public string Norm { get; set; } = "none";

    public int Latent { get; set; } = 20;

    /// <summary>relu | tanh | leaky_relu.</summary>
    public string Activation { get; set; } = "relu";

    /// <summary>auto (bernoulli for images, gaussian for tables) | bernoulli | gaussian.</summary>
    public string Likelihood { get; set; } = "auto";

    /// <summary>
    /// The fixed σ of the Gaussian likelihood (with <see cref="LearnSigma"/>, every feature's starting σ): a number, or
    /// auto (1 for a table, whose features are standardized; 0.1 for images, whose pixels lie in [0, 1]).
    /// </summary>
    public string GaussianSigma { get; set; } = "auto";

    /// <summary>Learn σ per feature for an MLP, per image channel for a conv decoder (Gaussian likelihood only).</summary>
    public bool LearnSigma { get; set; }

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

    /// <summary>Replay a captured CUDA graph per step where the accelerator can capture.</summary>
    public bool CudaGraphs { get; set; } = true;

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
    [PathSetting]
    public string? Out { get; set => field = OptionalText.Normalize(value); }
}

/// <summary>For eval, score, interpolate and reconstruct --noise: what a trained model is used for.</summary>
public sealed class AnalysisOptions
{
    /// <summary>
    /// Importance samples per test image for eval's -log p(x) (eval --iw); 0 skips it. 100, not the papers'
    /// 5000: about a minute for 10,000 images on 2 CPU cores instead of about 40.
    /// </summary>
    public int ImportanceSamples { get; set; } = 100;

    /// <summary>score --threshold P: flag records above the P-th percentile of the training scores; -1: no flags.</summary>
    public double Threshold { get; set; } = -1;

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
