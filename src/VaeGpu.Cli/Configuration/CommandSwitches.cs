namespace VaeGpu.Cli.Configuration;

/// <summary>
/// The short switches a verb accepts, the configuration key each one sets and one line of help. Any
/// setting can also be given in the generic form --Section:Key=value (or --Section:Key value), whatever
/// the verb. A switch with a null key is parsed by the verb itself (bench, and the value-less flags
/// such as --overwrite); help lists it all the same.
/// </summary>
public sealed class CommandSwitches
{
    public sealed record Switch(string Name, string? Key, string Help, string? Default = null);

    public static CommandSwitches Train { get; } = new("train", "train --data embedded --epochs 5 --out runs/quick",
        new("--device", "Device", "where to compute: auto, cpu, cuda[:N], opencl[:P:D], ilgpu-cpu"),
        new("--data", "Data:Dir", "IDX directory, CSV/TSV/Parquet file or image folder, or 'embedded' (null: Fashion-MNIST, the system copy, else embedded)"),
        new("--test", "Data:Test", "a separate test file or folder (null: split Data:TestFraction off --data)"),
        new("--out", "Run:Out", "run directory to create (null: runs/<UTC time>)"),
        new("--epochs", "Training:Epochs", "total epochs (with --resume: the total to reach)"),
        new("--batch-size", "Training:BatchSize", "images per step"),
        new("--lr", "Training:LearningRate", "Adam learning rate"),
        new("--arch", "Model:Architecture", "mlp (fully connected) or conv (convolutions, images only)"),
        new("--hidden", "Model:Hidden", "hidden layer widths, comma-separated (mlp)"),
        new("--channels", "Model:Channels", "the encoder convolutions' output channels, comma-separated (conv)"),
        new("--norm", "Model:Norm", "none, or batch: a BatchNorm2d after each hidden convolution (conv)"),
        new("--latent", "Model:Latent", "latent size"),
        new("--activation", "Model:Activation", "relu, tanh or leaky_relu"),
        new("--likelihood", "Model:Likelihood", "auto (bernoulli for images, gaussian for tables), bernoulli or gaussian"),
        new("--beta", "Training:Beta", "KL weight of the beta-VAE loss"),
        new("--warmup-steps", "Training:WarmupSteps", "steps over which beta ramps up"),
        new("--seed", "Training:Seed", "seeds init, shuffling and noise"),
        new("--resume", "Run:Resume", "continue this run directory from its checkpoint"),
        new("--exclude-class", "Training:ExcludeClass", "leave this class out of training (-1: none)"),
        new("--checkpoint-every", "Training:CheckpointEverySteps", "steps between mid-epoch checkpoints (0: every 5 minutes)"),
        new("--overwrite", null, "let --out replace a directory that holds a run", "off"));

    public static CommandSwitches Eval { get; } = new("eval", "eval --run runs/quick --iw 5000",
        new("--run", "Run:Dir", "the trained run"),
        new("--data", "Data:Dir", "data directory (default: the run's)"),
        new("--device", "Device", "where to compute: auto, cpu, cuda[:N], opencl[:P:D], ilgpu-cpu"),
        new("--iw", "Analysis:ImportanceSamples", "importance samples per image for -log p(x); 0 skips it"),
        new("--out", "Sample:Out", "JSON file to write (default: RUNDIR/eval.json)"));

    public static CommandSwitches Sample { get; } = new("sample", "sample --run runs/quick --count 16 --out prior.png",
        new("--run", "Run:Dir", "the trained run"),
        new("--count", "Sample:Count", "images to draw"),
        new("--out", "Sample:Out", "PNG (CSV for a table run) to write (default: RUNDIR/sample.png or .csv)"),
        new("--device", "Device", "where to compute: auto, cpu, cuda[:N], opencl[:P:D], ilgpu-cpu"));

    public static CommandSwitches Reconstruct { get; } = new("reconstruct", "reconstruct --run runs/quick --count 16 --noise 0.2",
        new("--run", "Run:Dir", "the trained run"),
        new("--count", "Sample:Count", "test images to reconstruct"),
        new("--out", "Sample:Out", "PNG (CSV for a table run) to write (default: RUNDIR/reconstruct.png or .csv)"),
        new("--device", "Device", "where to compute: auto, cpu, cuda[:N], opencl[:P:D], ilgpu-cpu"),
        new("--noise", "Analysis:Noise", "salt-and-pepper probability on the inputs"),
        new("--input", "Data:Input", "new data to reconstruct instead of the test set"));

    /// <summary>interpolate also takes the flag --spherical, which the verb turns into --Analysis:Path=spherical.</summary>
    public static CommandSwitches Interpolate { get; } = new("interpolate", "interpolate --run runs/quick --from 0 --to 7 --spherical",
        new("--run", "Run:Dir", "the trained run"),
        new("--from", "Analysis:From", "test image to start from"),
        new("--to", "Analysis:To", "test image to end at"),
        new("--steps", "Analysis:Steps", "decoded images on the path, ends included"),
        new("--out", "Sample:Out", "PNG to write (default: RUNDIR/interpolation.png)"),
        new("--data", "Data:Dir", "data directory (default: the run's)"),
        new("--device", "Device", "where to compute: auto, cpu, cuda[:N], opencl[:P:D], ilgpu-cpu"),
        new("--spherical", null, "follow the great circle instead of the straight line", "off"));

    public static CommandSwitches Latents { get; } = new("latents", "latents --run runs/quick --out codes.csv",
        new("--run", "Run:Dir", "the trained run"),
        new("--out", "Sample:Out", "CSV to write (default: RUNDIR/latents.csv)"),
        new("--data", "Data:Dir", "data directory (default: the run's)"),
        new("--input", "Data:Input", "new data to encode instead of the test set"),
        new("--device", "Device", "where to compute: auto, cpu, cuda[:N], opencl[:P:D], ilgpu-cpu"));

    public static CommandSwitches Score { get; } = new("score", "score --run runs/quick --iw 50",
        new("--run", "Run:Dir", "the trained run"),
        new("--data", "Data:Dir", "data directory (default: the run's)"),
        new("--input", "Data:Input", "new data to score, one row per record in input order (default: the test set)"),
        new("--iw", "Analysis:ScoreImportanceSamples", "importance samples per image; 0 scores by -ELBO"),
        new("--threshold", "Analysis:Threshold", "flag records above this percentile of the training scores"),
        new("--out", "Sample:Out", "CSV to write (default: RUNDIR/scores.csv)"),
        new("--device", "Device", "where to compute: auto, cpu, cuda[:N], opencl[:P:D], ilgpu-cpu"));

    public static CommandSwitches Devices { get; } = new("devices", "devices");

    public static CommandSwitches Bench { get; } = new("bench", "bench --device cpu --seconds 10",
        new("--device", null, "one accelerator to bench", "every usable one but ilgpu-cpu"),
        new("--seconds", null, "time budget per figure", "20"),
        new("--json", null, "print JSON (to FILE when one follows)", "off"));

    public CommandSwitches(string verb, string example, params Switch[] switches)
    {
        Verb = verb;
        Example = example;
        All = switches;
        Map = switches.Where(s => s.Key is not null).ToDictionary(s => s.Name, s => s.Key!, StringComparer.OrdinalIgnoreCase);
        Names = switches.Select(s => s.Name).ToArray();
    }

    public string Verb { get; }

    /// <summary>One example command line, without the program name.</summary>
    public string Example { get; }

    /// <summary>Every switch in the order help lists them.</summary>
    public IReadOnlyList<Switch> All { get; }

    /// <summary>Switch ("--epochs") → configuration key ("Training:Epochs"), in the form AddCommandLine takes.</summary>
    public IReadOnlyDictionary<string, string> Map { get; }

    /// <summary>The switches in the order they are documented.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>"train takes --device, --data, ... or any setting as --Section:Key=value", for error messages.</summary>
    public string Describe() => $"{Verb} takes {string.Join(", ", Names)} or any setting as --Section:Key=value; {Verb} --help explains them";
}
