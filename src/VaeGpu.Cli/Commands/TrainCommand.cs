using System.Numerics.Tensors;
using VaeGpu.Accelerators;
using VaeGpu.Analysis;
using VaeGpu.Cli.Configuration;
using VaeGpu.Cli.Runs;
using VaeGpu.Cli.Training;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Kernels;
using VaeGpu.Accelerators.Selection;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "train": trains a VAE, writing after every epoch metrics.csv, an atomic checkpoint and the
/// sample and reconstruction grids. --resume DIR continues DIR's run up to Training:Epochs in all,
/// so 2 epochs then a resume to 5 give the same parameters as 5 epochs at once. Everything that can
/// be refused is refused before the device starts: an --out that holds a run, a run another process
/// has locked, data that differs from the run's.
/// </summary>
public sealed class TrainCommand(CliConsole console, Func<StopSignal>? stopSignal = null) : ICommand
{
    public const string OverwriteFlag = "--overwrite";

    /// <summary>A finite loss this many times its best step loss (in magnitude) above that best is diverging.</summary>
    public const double DivergenceFactor = 100;

    public string Name => "train";

    public string Summary => "Train a VAE on IDX, CSV/TSV, Parquet or an image folder (--device, --data, --test, --out, --epochs, --batch-size, --lr, --hidden, --latent, ... --resume RUNDIR).";

    public CommandSwitches Switches => CommandSwitches.Train;

    public int Run(string[] args)
    {
        // Listening from the start: a Ctrl-C while the data loads or the device starts is then a clean
        // stop before the first step (the new run directory removed again), not a kill.
        using StopSignal stop = (stopSignal ?? StopSignal.Listen)();
        VaeGpuOptions options = RunFiles.LoadOptions(CommandSwitches.Train, WithFlags(args), resumeKey: true);
        var validator = new OptionsValidator(options);
        DeviceRequest device = validator.Device();
        TrainingSettings settings = validator.Training();
        int evalBatchSize = validator.EvalBatchSize();
        int checkpointEvery = validator.CheckpointEverySteps();
        int? excluded = validator.ExcludeClass();

        // Where the run goes, checked before anything is loaded or created.
        RunDirectory? from = options.Run.Resume is { } resumeDir ? RunDirectory.Existing(resumeDir, "Run:Resume") : null;
        RunDirectory run;
        bool replaceOld = false;
        if (options.Run.Out is { } outDir)
        {
            run = new RunDirectory(outDir);
            if (from is null || run.Path != from.Path)
                replaceOld = RunGuard.CheckTarget(run, "Run:Out", outDir, options.Run.Overwrite);
        }
        else
        {
            run = from ?? RunDirectory.NewDefault();
            // runs/<UTC second> of another training started in the same second is a run too.
            if (from is null) RunGuard.CheckTarget(run, "Run:Out", run.Path, overwrite: false);
        }

        DataSettings dataSettings = validator.Data();
        DataSplit data = ResolveData(options, validator, settings.Seed, from);
        if (excluded is int label)
            data = data with { Train = WithoutClass(data.Train, label) };
        // Standardization is fitted on what the model trains on (after --exclude-class), stored
        // with the run, and applied to every later input.
        FeatureScaling inputs = FeatureScaling.Fit(data.Train, data.FeatureNames ?? [], dataSettings.Standardize);
        data = data with { Train = inputs.Apply(data.Train), Test = inputs.Apply(data.Test) };
        VaeArchitecture architecture = validator.Architecture(data.Train.PixelsPerImage, data.Train.IsTable,
            data.Train.IsTable ? null : (data.Train.ImageRows, data.Train.ImageCols, data.Train.Channels));
        RefuseBernoulliOutsideUnitRange(architecture, data, options, dataSettings.Standardize);
        KernelChoice kernels = validator.Kernels();

        bool created = !Directory.Exists(run.Path);
        using RunLock runLock = RunLock.Acquire(run.Path, options.Run.Out is null && from is not null ? "Run:Resume" : "Run:Out");
        using RunLock? fromLock = from is not null && from.Path != run.Path ? RunLock.Acquire(from.Path, "Run:Resume") : null;
        bool saved = false;
        try
        {
            foreach (string stale in StaleTempFiles.Remove(run.Path))
                console.Error.WriteLine($"note: removed {stale}, left in {run.Path} by a process that no longer runs");
            int code = Train(options, settings, device, kernels, architecture, data, inputs, from, run, replaceOld, evalBatchSize,
                checkpointEvery, excluded, stop, () => saved = true);
            return code;
        }
        finally
        {
            // A new directory that never got a checkpoint is removed again, lock files and all, so that a
            // failed start leaves nothing behind to be mistaken for a run.
            if (created && !saved) RemoveIfOnlyLockFiles(run.Path, runLock);
        }
    }

    private int Train(VaeGpuOptions options, TrainingSettings settings, DeviceRequest device, KernelChoice kernels,
        VaeArchitecture architecture, DataSplit data, FeatureScaling inputs, RunDirectory? from, RunDirectory run, bool replaceOld,
        int evalBatchSize, int checkpointEvery, int? excluded, StopSignal stop, Action onSaved)
    {
        CheckpointData? resumed = null;
        if (from is not null)
        {
            resumed = Checkpoint.Load(from.Checkpoint);
            Checkpoint.EnsureCompatible(resumed, architecture, from.Checkpoint);
            if (resumed.Seed != settings.Seed)
                throw new ConfigException("Training:Seed", settings.Seed.ToString(),
                    $"differs from the seed {resumed.Seed} of the checkpoint being resumed: a resumed run keeps its seed");
            CheckSameData(from, resumed, data, options);
        }

        var reporter = new TrainingReporter(console);
        if (data.Notice is not null) console.Error.WriteLine($"note: {data.Notice}");
        reporter.Line($"data: {data.Description}");
        if (excluded is int left)
            reporter.Line($"class {FashionMnistClasses.Describe(left)} left out of training: {data.Train.Count:N0} training {data.Train.Noun} remain");

        int completedEpochs = resumed?.Epoch ?? 0;
        PartialEpoch? partialStart = resumed?.Partial;
        int firstEpoch = partialStart?.Epoch ?? completedEpochs + 1;
        if (firstEpoch > settings.Epochs)
        {
            reporter.Line($"nothing to do: the run has {Plural(completedEpochs, "epoch")} and Training:Epochs is {settings.Epochs}");
            return CliApp.Success;
        }

        (IAccelerator accelerator, string choice) = AcceleratorFactory.Create(device, kernels);
        using (accelerator)
        {
            reporter.Line($"device: {accelerator.Name} ({choice})");
            reporter.Line($"model: {architecture}, {new VaeLayout(architecture).ParameterCount:N0} parameters; run: {run.Path}");
            if (from is not null && resumed is not null)
            {
                reporter.Line($"resuming {from.Path} at epoch {firstEpoch}, step {resumed.Step}" +
                    (resumed.Partial is { } p ? $" ({p.StepsDone} steps into the epoch)" : ""));
                int recordedShards = RecordedShards(resumed.ConfigJson);
                if (recordedShards != settings.Shards)
                    reporter.Line($"note: Distributed:Shards changes from {recordedShards} to {settings.Shards}: each step's gradient is summed in " +
                        $"another order from here on, so the run continues close to, not bit for bit like, one that kept {recordedShards}");
            }

            var record = new RunRecord(accelerator.Name, data.Source, data.Description, data.Train.Count, data.Test.Count);
            string configJson = RunRecord.ConfigJson(options, architecture.Likelihood, record);
            var writer = new RunWriter(run, configJson, architecture, settings.Seed, inputs, replaceOld, onSaved);

            using var trainer = new Trainer(accelerator, architecture, settings, data.Train);
            trainer.Load(resumed?.State);
            using var evaluator = new Evaluator(trainer.Model, data.Test, evalBatchSize, settings.Seed);
            var control = new RunControl(stop, () => trainer.Step, checkpointEvery, partial => writer.SaveMidEpoch(trainer, partial));
            string? stopped = null;
            double lowestStepLoss = double.NaN;

            try
            {
                reporter.Run(firstEpoch, settings.Epochs, trainer.StepsPerEpoch, progress =>
                {
                    for (int epoch = firstEpoch; epoch <= settings.Epochs; epoch++)
                    {
                        if (stop.IsRequested(trainer.Step))
                        {
                            stopped = StopLine(stop, run, epoch - 1, trainer.Step, writer.HasCheckpoint || resumed is not null);
                            return;
                        }
                        EpochResult result = trainer.RunEpoch(epoch, progress, epoch == firstEpoch ? partialStart : null, control);
                        if (result.Stopped is { } partial)
                        {
                            writer.SaveMidEpoch(trainer, partial);
                            stopped = StopLine(stop, run, epoch - 1, trainer.Step, hasCheckpoint: true);
                            return;
                        }
                        EvaluationResult test = evaluator.Evaluate();
                        writer.SaveEpoch(trainer, data.Test, result, test);
                        control.Saved();
                        RunReport.Write(run, accelerator.Name, ReportModel(architecture, excluded));
                        reporter.Line(reporter.EpochSummary(epoch, settings.Epochs, result, test));
                        if (!(lowestStepLoss <= result.LowestStepLoss)) lowestStepLoss = result.LowestStepLoss;
                        if (IsDiverging(result.Loss, lowestStepLoss))
                            console.Error.WriteLine(
                                $"warning: training is diverging at epoch {epoch}: its mean loss {result.Loss:G4} is far above the lowest " +
                                $"step loss {lowestStepLoss:G4} seen; try a lower --lr");
                    }
                });
            }
            catch (TrainingDivergedException e)
            {
                string kept = writer.HasCheckpoint || resumed is not null
                    ? $"the last checkpoint, {run.Checkpoint} (step {writer.LastStep ?? resumed!.Step}), is kept"
                    : "no checkpoint was saved yet";
                string advice = architecture.Likelihood.Kind != LikelihoodKind.Bernoulli
                    ? "try a lower --lr or a larger Model:GaussianSigma"
                    : "try a lower --lr or a larger Model:LogVarMin";
                throw e.WithAdvice(kept, advice);
            }
            if (stopped is not null)
            {
                console.Error.WriteLine(stopped);
                return stop.ExitCode;
            }
            SaveTrainScores(run, trainer, data.Train, evalBatchSize, settings.Seed, reporter);
        }
        reporter.Line($"done: {run.Path}");
        return CliApp.Success;
    }

    /// <summary>True when a finite epoch loss sits orders of magnitude above the best single step: training has blown up.</summary>
    public static bool IsDiverging(double epochLoss, double lowestStepLoss) =>
        double.IsFinite(lowestStepLoss) && epochLoss > lowestStepLoss + DivergenceFactor * Math.Max(Math.Abs(lowestStepLoss), 1);

    private static string StopLine(StopSignal stop, RunDirectory run, int completedEpochs, long step, bool hasCheckpoint) =>
        hasCheckpoint
            ? $"stopped by {stop.Signal} at step {step} (epoch {completedEpochs + 1}); checkpoint: {run.Checkpoint}; " +
              $"resume with: train --resume {run.Path}"
            : $"stopped by {stop.Signal} before any step: nothing was saved";

    /// <summary>The data a run trains on (raw: tables not yet standardized); a resume must find the data its run was trained on.</summary>
    private static DataSplit ResolveData(VaeGpuOptions options, OptionsValidator validator, ulong seed, RunDirectory? from)
    {
        try
        {
            return RunData.Load(options, validator, seed);
        }
        catch (UserInputException e) when (from is not null && e is not ConfigException)
        {
            throw new UserInputException($"{e.Message} (the run in {from.Path} was trained on Data:Dir = '{options.Data.Dir}'; a resume needs that data)");
        }
    }

    /// <summary>
    /// A Bernoulli likelihood is a distribution over [0, 1]; on a table's standardized features (negative
    /// about half the time) its "NLL" is no likelihood at all, so training would report figures that mean nothing.
    /// </summary>
    private static void RefuseBernoulliOutsideUnitRange(VaeArchitecture architecture, DataSplit data, VaeGpuOptions options, bool standardized)
    {
        if (architecture.Likelihood.Kind != LikelihoodKind.Bernoulli || data.Train.Features is not { } train) return;
        float[] test = data.Test.Features ?? [];
        float min = Math.Min(TensorPrimitives.Min<float>(train), test.Length > 0 ? TensorPrimitives.Min<float>(test) : float.PositiveInfinity);
        float max = Math.Max(TensorPrimitives.Max<float>(train), test.Length > 0 ? TensorPrimitives.Max<float>(test) : float.NegativeInfinity);
        if (min >= 0f && max <= 1f) return;
        throw new ConfigException("Model:Likelihood", options.Model.Likelihood,
            $"the Bernoulli likelihood models values from 0 to 1, but the table's {(standardized ? "standardized " : "")}features range " +
            $"from {min:G4} to {max:G4}; use gaussian (auto picks it for a table), or Data:Standardize=false with features scaled to [0, 1]");
    }

    /// <summary>The Distributed:Shards a run's recorded configuration trained with: 1 for a run from before the setting existed.</summary>
    private static int RecordedShards(string configJson)
    {
        using var document = System.Text.Json.JsonDocument.Parse(configJson,
            new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
        foreach (var section in document.RootElement.EnumerateObject())
        {
            if (!section.NameEquals("Distributed") || section.Value.ValueKind != System.Text.Json.JsonValueKind.Object) continue;
            foreach (var key in section.Value.EnumerateObject())
                if (key.NameEquals("Shards") && key.Value.TryGetInt32(out int shards)) return shards;
        }
        return 1;
    }

    private static void CheckSameData(RunDirectory from, CheckpointData resumed, DataSplit data, VaeGpuOptions options)
    {
        if (RunRecord.Read(resumed.ConfigJson) is not { } recorded) return; // a run from before the record existed
        bool same = recorded.Data == data.Source && recorded.TrainImages == data.Train.Count && recorded.TestImages == data.Test.Count;
        if (!same)
            throw new ConfigException("Data:Dir", options.Data.Dir ?? data.Source,
                $"gives {data.Source} ({data.Train.Count:N0} train / {data.Test.Count:N0} test {data.Train.Noun}), but the run in {from.Path} was trained on " +
                $"{recorded.Data} ({recorded.TrainImages:N0} / {recorded.TestImages:N0}); a resume must use the run's data");
    }

    /// <summary>--overwrite takes no value; like interpolate's --spherical it becomes a key, put first so it is never another switch's value.</summary>
    private static string[] WithFlags(string[] args)
    {
        string[] rest = args.Where(a => !a.Equals(OverwriteFlag, StringComparison.OrdinalIgnoreCase)).ToArray();
        return rest.Length == args.Length ? args : ["--Run:Overwrite=true", .. rest];
    }

    private static void RemoveIfOnlyLockFiles(string directory, RunLock runLock)
    {
        runLock.Dispose();
        try
        {
            string[] entries = Directory.GetFileSystemEntries(directory);
            if (entries.All(e => Path.GetFileName(e) is RunLock.LockFileName or RunLock.OwnerFileName))
                Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (IoFailure.IsIo(e))
        {
            // Best effort: an empty directory left behind is harmless.
        }
    }

    public static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static string ReportModel(VaeArchitecture architecture, int? excluded) =>
        $"{architecture}, {new VaeLayout(architecture).ParameterCount:N0} parameters" +
        (excluded is int label ? $"; class {FashionMnistClasses.Describe(label)} left out of training" : "");

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

    private static ImageSet WithoutClass(ImageSet train, int label)
    {
        ImageSet kept = train.WithoutClass(label);
        if (kept.Count == train.Count)
            throw new ConfigException("Training:ExcludeClass", label.ToString(), $"no training image has label {label}");
        if (kept.Count == 0)
            throw new ConfigException("Training:ExcludeClass", label.ToString(), "every training image has this label: nothing would be left to train on");
        return kept;
    }
}
