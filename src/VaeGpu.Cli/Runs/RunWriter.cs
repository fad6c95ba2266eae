using VaeGpu.Analysis;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Cli.Runs;

/// <summary>
/// Writes a training run's files. config.json and features.json are written only together with a
/// checkpoint (just before it), so a run that fails before saving (a NaN on resume, a bad --lr) leaves the run's files
/// exactly as they were.
/// </summary>
public sealed class RunWriter(RunDirectory run, string configJson, VaeArchitecture architecture, ulong seed, FeatureScaling inputs,
    bool replaceOld, Action onSaved)
{
    /// <summary>Prior samples in samples.png (samples.csv) after every epoch.</summary>
    public const int SampleCount = 64;

    /// <summary>Test inputs over their reconstructions in reconstructions.png (.csv) after every epoch.</summary>
    public const int ReconstructionCount = 8;

    private bool _replaceOld = replaceOld;

    /// <summary>True once this process saved a checkpoint.</summary>
    public bool HasCheckpoint => LastStep is not null;

    /// <summary>The step of the last checkpoint this process saved.</summary>
    public long? LastStep { get; private set; }

    public void SaveMidEpoch(Trainer trainer, PartialEpoch partial) => SaveCheckpoint(trainer, partial.Epoch - 1, partial);

    public void SaveEpoch(Trainer trainer, ImageSet test, EpochResult result, EvaluationResult evaluation)
    {
        SaveCheckpoint(trainer, result.Epoch, partial: null);
        MetricsCsv.Append(run.Metrics, new EpochMetrics(result.Epoch, result.Loss, evaluation.Loss, evaluation.Recon,
            evaluation.Kl, result.Seconds, result.SamplesPerSecond));
        if (test.IsTable)
        {
            // A table run's samples and reconstructions are records, in the file's units.
            RunTables.Write(run.File("samples.csv"), inputs,
                RunTables.Rows("sample", ImageRenderer.SamplePrior(trainer.Model, SampleCount, seed), test.PixelsPerImage));
            int count = Math.Min(ReconstructionCount, test.Count);
            float[] both = ImageRenderer.InputsAndReconstructions(trainer.Model, test, Enumerable.Range(0, count).ToArray());
            RunTables.Write(run.File("reconstructions.csv"), inputs, RunTables.Reconstructions(both, count, test.PixelsPerImage));
            return;
        }
        RunImages.WriteSamples(trainer.Model, run.Samples, SampleCount, seed, test);
        RunImages.WriteReconstructions(trainer.Model, run.Reconstructions, test, Math.Min(ReconstructionCount, test.Count));
    }

    private void SaveCheckpoint(Trainer trainer, int completedEpochs, PartialEpoch? partial)
    {
        if (_replaceOld)
        {
            RunGuard.RemoveOldRun(run);
            _replaceOld = false;
        }
        ModelState state = trainer.Model.Save();
        // The checkpoint goes last: it is what makes the directory resumable, so a kill -9 between these
        // writes leaves either no checkpoint (nothing saved yet) or one whose config.json and features.json
        // are already there. The other order left a first checkpoint without config.json behind.
        AtomicFile.WriteAllText(run.Config, configJson);
        inputs.Save(run.File(FeatureScaling.FileName));
        Checkpoint.Save(run.Checkpoint, new CheckpointData(configJson, architecture, seed, completedEpochs, state, partial));
        LastStep = state.Step;
        onSaved();
    }
}
