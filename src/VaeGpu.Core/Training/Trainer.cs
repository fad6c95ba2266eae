using System.Diagnostics;
using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Random;

namespace VaeGpu.Training;

/// <summary>
/// The host training loop: per epoch a Philox-seeded permutation of the training set, then one
/// <see cref="TrainingStep"/> per batch (gather, forward, loss, backward, Adam; a graph replay on
/// CUDA). One seed drives the initial parameters, the batch order and the noise, so a run is
/// reproducible and a resumed run, even from inside an epoch, continues exactly where the
/// interrupted one stopped.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly TrainingSettings _settings;
    private readonly DeviceImages _train;
    private readonly int[] _hostOrder;
    private readonly TrainingStep _trainingStep;
    private readonly Distributed.IShardExchange? _exchange;
    private readonly float[] _ownFlags = new float[1], _allFlags = [];

    /// <param name="exchange">The ranks of a data-parallel run (see <see cref="TrainingStep"/>); null trains in this process alone.</param>
    public Trainer(IAccelerator accelerator, VaeArchitecture architecture, TrainingSettings settings, ImageSet train,
        Distributed.IShardExchange? exchange = null)
    {
        if (train.PixelsPerImage != architecture.InputSize)
            throw new ArgumentException($"images have {train.PixelsPerImage} pixels, the model takes {architecture.InputSize}");
        if (train.Count == 0) throw new ArgumentException("the training set is empty");
        _accelerator = accelerator;
        _settings = settings;
        Model = new VaeModel(accelerator, architecture);
        _train = new DeviceImages(accelerator, train);
        _hostOrder = new int[train.Count];
        _trainingStep = new TrainingStep(accelerator, Model, _train, settings, exchange);
        _exchange = exchange;
        if (exchange is not null) _allFlags = new float[exchange.Ranks];
    }

    public VaeModel Model { get; }

    /// <summary>Completed training steps.</summary>
    public long Step => _trainingStep.Step;

    public int StepsPerEpoch => (_train.Count + _settings.BatchSize - 1) / _settings.BatchSize;

    /// <summary>Starts from a saved state, or from freshly initialized parameters when null.</summary>
    public void Load(ModelState? state) => _trainingStep.Load(state ?? Model.InitialState(_settings.Seed));

    /// <summary>One pass over the training set; <paramref name="epoch"/> counts from 1.</summary>
    /// <param name="resumeFrom">A mid-epoch checkpoint's progress in this epoch: its steps are skipped and its loss sums carried on.</param>
    /// <param name="control">Stop requests and mid-epoch checkpoints; null runs the whole epoch.</param>
    public EpochResult RunEpoch(int epoch, Action<TrainingProgress>? progress = null, PartialEpoch? resumeFrom = null,
        ITrainingControl? control = null)
    {
        if (resumeFrom is not null && resumeFrom.Epoch != epoch)
            throw new ArgumentException($"the partial epoch is epoch {resumeFrom.Epoch}, not {epoch}", nameof(resumeFrom));
        Permutation.FillShuffled(_hostOrder, _settings.Seed, epoch);
        int firstStep = resumeFrom?.StepsDone ?? 0;
        _trainingStep.BeginEpoch(epoch, _hostOrder, resumeFrom);
        ILossSums losses = _trainingStep.Losses;
        int steps = StepsPerEpoch, examplesDone = resumeFrom?.ExamplesDone ?? 0;
        double priorSeconds = resumeFrom?.Seconds ?? 0;
        var clock = Stopwatch.StartNew();

        for (int stepInEpoch = firstStep; stepInEpoch < steps; stepInEpoch++)
        {
            int rows = Math.Min(_settings.BatchSize, _train.Count - stepInEpoch * _settings.BatchSize);
            _trainingStep.Run(rows);
            examplesDone += rows;

            bool last = stepInEpoch == steps - 1;
            bool stop = !last && control is { StopRequested: true };
            bool checkpoint = !last && !stop && control is not null && control.CheckpointDue(stepInEpoch + 1);
            if (_exchange is not null) (stop, checkpoint) = Agree(stop, checkpoint);
            if (_trainingStep.LossesDue || last || stop || checkpoint)
            {
                // Read every pending loss before a checkpoint, so that a NaN is never saved as the state to resume.
                _trainingStep.ReadLosses();
                double seconds = priorSeconds + clock.Elapsed.TotalSeconds;
                progress?.Invoke(new TrainingProgress(epoch, stepInEpoch + 1, steps,
                    (losses.Recon + losses.Kl) / examplesDone, losses.Kl / examplesDone, examplesDone / seconds));
            }
            if (stop || checkpoint)
            {
                _accelerator.Synchronize();
                var partial = new PartialEpoch(epoch, stepInEpoch + 1, examplesDone, losses.Recon, losses.Kl,
                    priorSeconds + clock.Elapsed.TotalSeconds);
                if (stop)
                    return Result(epoch, examplesDone, partial.Seconds) with { Stopped = partial };
                control!.SaveCheckpoint(partial);
            }
        }
        _accelerator.Synchronize();
        double epochSeconds = priorSeconds + clock.Elapsed.TotalSeconds;
        // Two words read back once an epoch: the host and the device still count the same steps.
        _trainingStep.CheckCounters();
        return Result(epoch, examplesDone, epochSeconds);
    }

    /// <summary>
    /// With ranks, a stop or a checkpoint that any rank asks for after a step, on every rank: each one then reads its
    /// loss log back (a collective) and stops at the same step, where a signal or a checkpoint clock seen by one rank
    /// alone would leave the others waiting in the next step's exchange.
    /// </summary>
    private (bool Stop, bool Checkpoint) Agree(bool stop, bool checkpoint)
    {
        _ownFlags[0] = (stop ? 1 : 0) + (checkpoint ? 2 : 0);
        _exchange!.AllGather(_ownFlags, _allFlags);
        int any = 0;
        foreach (float flags in _allFlags) any |= (int)flags;
        bool agreedStop = (any & 1) != 0;
        return (agreedStop, !agreedStop && (any & 2) != 0);
    }

    private EpochResult Result(int epoch, int examplesDone, double seconds)
    {
        ILossSums losses = _trainingStep.Losses;
        return new(epoch, (losses.Recon + losses.Kl) / examplesDone, losses.Recon / examplesDone,
            losses.Kl / examplesDone, seconds, examplesDone / seconds)
        {
            LowestStepLoss = losses.LowestStepLoss,
        };
    }

    public void Dispose()
    {
        _trainingStep.Dispose();
        _train.Dispose();
        Model.Dispose();
    }
}
