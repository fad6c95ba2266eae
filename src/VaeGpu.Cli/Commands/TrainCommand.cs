using VaeGpu.Accelerators;
using VaeGpu.Analysis;
using VaeGpu.Cli.Configuration;
using VaeGpu.Cli.Training;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Model;
using VaeGpu.Training;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "train": trains a VAE, writing after every epoch metrics.csv, an atomic checkpoint and the
/// sample and reconstruction grids. --resume DIR continues DIR's run up to Training:Epochs in all,
/// so 2 epochs then a resume to 5 give the same parameters as 5 epochs at once.
/// </summary>
public sealed class TrainCommand(CliConsole console) : ICommand
{
    public const int SampleCount = 64;
    public const int ReconstructionCount = 8;

    public string Name => "train";

    public string Summary => "Train a VAE on IDX, CSV/TSV, Parquet or an image folder (--device, --data, --test, --out, --epochs, --batch-size, --lr, --hidden, --latent, ... --resume RUNDIR).";

    public int Run(string[] args)
    {
        VaeGpuOptions options = RunFiles.LoadOptions(CommandSwitches.Train, args, resumeKey: true);
        var validator = new OptionsValidator(options);
        DeviceRequest device = validator.Device();
        TrainingSettings settings = validator.Training();
        int evalBatchSize = validator.EvalBatchSize();
        int? excluded = validator.ExcludeClass();
        DataSettings dataSettings = validator.Data();
        DataSplit data = RunData.Load(options, validator, settings.Seed);
        if (excluded is int label)
            data = data with { Train = WithoutClass(data.Train, label) };
        // Standardization is fitted on what the model trains on (after --exclude-class), stored
        // with the run, and applied to every later input.
        FeatureScaling inputs = FeatureScaling.Fit(data.Train, data.FeatureNames ?? [], dataSettings.Standardize);
        data = data with { Train = inputs.Apply(data.Train), Test = inputs.Apply(data.Test) };
        VaeArchitecture architecture = validator.Architecture(data.Train.PixelsPerImage, data.Train.IsTable);

        CheckpointData? resumed = null;
        RunDirectory run;
        if (options.Run.Resume is { } resumeDir)
        {
            RunDirectory from = RunDirectory.Existing(resumeDir, "Run:Resume");
            resumed = Checkpoint.Load(from.Checkpoint);
            Checkpoint.EnsureCompatible(resumed, architecture, from.Checkpoint);
            if (resumed.Seed != settings.Seed)
                throw new ConfigException("Training:Seed", settings.Seed.ToString(),
                    $"differs from the seed {resumed.Seed} of the checkpoint being resumed: a resumed run keeps its seed");
            run = options.Run.Out is null ? from : new RunDirectory(options.Run.Out);
        }
        else
        {
            run = options.Run.Out is null ? RunDirectory.NewDefault() : new RunDirectory(options.Run.Out);
        }

        var reporter = new TrainingReporter(console);
        if (data.Notice is not null) console.Error.WriteLine($"note: {data.Notice}");
        reporter.Line($"data: {data.Description}");
        if (excluded is int left)
            reporter.Line($"class {FashionMnistClasses.Describe(left)} left out of training: {data.Train.Count:N0} training images remain");

        (IAccelerator accelerator, string choice) = AcceleratorFactory.Create(device, validator.Kernels());
        using (accelerator)
        {
            reporter.Line($"device: {accelerator.Name} ({choice})");
            reporter.Line($"model: {architecture}, {new VaeLayout(architecture).ParameterCount:N0} parameters; run: {run.Path}");

            string configJson = ConfigurationLoader.ToJson(options);
            AtomicFile.WriteAllText(run.Config, configJson);
            inputs.Save(run.File(FeatureScaling.FileName));
            int firstEpoch = (resumed?.Epoch ?? 0) + 1;
            if (firstEpoch > settings.Epochs)
            {
                reporter.Line($"nothing to do: the run has {firstEpoch - 1} epochs and Training:Epochs is {settings.Epochs}");
                return CliApp.Success;
            }

            using var trainer = new Trainer(accelerator, architecture, settings, data.Train);
            trainer.Load(resumed is null ? null : new ModelState(resumed.Parameters, resumed.AdamM, resumed.AdamV, resumed.Step));
            using var evaluator = new Evaluator(trainer.Model, data.Test, evalBatchSize, settings.Seed);

            reporter.Run(firstEpoch, settings.Epochs, trainer.StepsPerEpoch, progress =>
            {
                for (int epoch = firstEpoch; epoch <= settings.Epochs; epoch++)
                {
                    EpochResult result = trainer.RunEpoch(epoch, progress);
                    EvaluationResult test = evaluator.Evaluate();
                    SaveEpoch(run, configJson, architecture, settings.Seed, trainer, data.Test, inputs, result, test);
                    RunReport.Write(run, accelerator.Name, ReportModel(architecture, excluded));
                    reporter.Line(
                        $"epoch {epoch}/{settings.Epochs}  train {result.Loss:F2}  test {test.Loss:F2} " +
                        $"(recon {test.Recon:F2}, KL {test.Kl:F2})  {result.Seconds:F1} s  {result.SamplesPerSecond:N0} samples/s");
                }
            });
            SaveTrainScores(run, trainer, data.Train, evalBatchSize, settings.Seed, reporter);
        }
        reporter.Line($"done: {run.Path}");
        return CliApp.Success;
    }

    private static string ReportModel(VaeArchitecture architecture, int? excluded) =>
        $"{architecture}, {new VaeLayout(architecture).ParameterCount:N0} parameters" +
        (excluded is int label ? $"; class {FashionMnistClasses.Describe(label)} left out of training" : "");

    private static ImageSet WithoutClass(ImageSet train, int label)
    {
        ImageSet kept = train.WithoutClass(label);
        if (kept.Count == train.Count)
            throw new ConfigException("Training:ExcludeClass", label.ToString(), $"no training image has label {label}");
        if (kept.Count == 0)
            throw new ConfigException("Training:ExcludeClass", label.ToString(), "every training image has this label: nothing would be left to train on");
        return kept;
    }

    /// <summary>
    /// The training records' −ELBO distribution, for score --threshold: computed once the model is
    /// final, with the evaluation noise, so new records are scored on the same footing.
    /// </summary>
    private static void SaveTrainScores(RunDirectory run, Trainer trainer, ImageSet train, int batchSize, ulong seed, TrainingReporter reporter)
    {
        using var evaluator = new Evaluator(trainer.Model, train, batchSize, seed);
        TrainScores scores = TrainScores.From(evaluator.PerExample().Losses());
        scores.Save(run.File(TrainScores.FileName));
        reporter.Line($"training scores: median {scores.Threshold(50):F2}, 95th percentile {scores.Threshold(95):F2}, " +
            $"99th {scores.Threshold(99):F2} nats (-ELBO; {TrainScores.FileName}, for score --threshold)");
    }

    private static void SaveEpoch(RunDirectory run, string configJson, VaeArchitecture architecture, ulong seed,
        Trainer trainer, ImageSet test, FeatureScaling inputs, EpochResult result, EvaluationResult evaluation)
    {
        ModelState state = trainer.Model.Save();
        Checkpoint.Save(run.Checkpoint, new CheckpointData(configJson, architecture, seed, result.Epoch, state.Step,
            state.Parameters, state.AdamM, state.AdamV));
        MetricsCsv.Append(run.Metrics, new EpochMetrics(result.Epoch, result.Loss, evaluation.Loss, evaluation.Recon,
            evaluation.Kl, result.Seconds, result.SamplesPerSecond));
        if (test.IsTable)
        {
            RunTables.Write(run.File("samples.csv"), inputs,
                RunTables.Rows("sample", ImageRenderer.SamplePrior(trainer.Model, SampleCount, seed), test.PixelsPerImage));
            int count = Math.Min(ReconstructionCount, test.Count);
            float[] both = ImageRenderer.InputsAndReconstructions(trainer.Model, test, Enumerable.Range(0, count).ToArray());
            RunTables.Write(run.File("reconstructions.csv"), inputs, Reconstructions(both, count, test.PixelsPerImage));
            return;
        }
        RunImages.WriteSamples(trainer.Model, run.Samples, SampleCount, seed, test);
        RunImages.WriteReconstructions(trainer.Model, run.Reconstructions, test, Math.Min(ReconstructionCount, test.Count));
    }

    /// <summary>Input i then its reconstruction i, from [inputs; reconstructions] as InputsAndReconstructions returns them.</summary>
    public static IEnumerable<(string, float[])> Reconstructions(float[] both, int count, int width)
    {
        for (int i = 0; i < count; i++)
        {
            yield return ($"input{i}", both.AsSpan(i * width, width).ToArray());
            yield return ($"reconstruction{i}", both.AsSpan((count + i) * width, width).ToArray());
        }
    }
}
