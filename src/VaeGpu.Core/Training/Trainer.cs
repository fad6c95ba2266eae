using System.Diagnostics;
using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Random;

namespace VaeGpu.Training;

/// <summary>
/// The host training loop: per epoch a Philox-seeded permutation of the training set, then one
/// flat list of op calls per batch (gather, forward, loss, backward, Adam). One seed drives the
/// initial parameters, the batch order and the noise, so a run is reproducible and a resumed run
/// continues exactly where the interrupted one stopped.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly TrainingSettings _settings;
    private readonly DeviceImages _train;
    private readonly DeviceBuffer<int> _order;
    private readonly int[] _hostOrder;
    private readonly VaeWorkspace _workspace;
    private readonly LossLog _lossLog;
    private long _step;

    public Trainer(IAccelerator accelerator, VaeArchitecture architecture, TrainingSettings settings, ImageSet train)
    {
        if (train.PixelsPerImage != architecture.InputSize)
            throw new ArgumentException($"images have {train.PixelsPerImage} pixels, the model takes {architecture.InputSize}");
        if (train.Count == 0) throw new ArgumentException("the training set is empty");
        _accelerator = accelerator;
        _settings = settings;
        Model = new VaeModel(accelerator, architecture);
        _train = new DeviceImages(accelerator, train);
        _order = accelerator.Allocate<int>(train.Count);
        _hostOrder = new int[train.Count];
        _workspace = new VaeWorkspace(accelerator, Model.Layout, Math.Min(settings.BatchSize, train.Count));
        _lossLog = new LossLog(accelerator, settings.ReportEvery);
    }

    public VaeModel Model { get; }

    /// <summary>Completed training steps.</summary>
    public long Step => _step;

    public int StepsPerEpoch => (_train.Count + _settings.BatchSize - 1) / _settings.BatchSize;

    public void Initialize() => Load(null);

    /// <summary>Starts from a saved state, or from freshly initialized parameters when null.</summary>
    public void Load(ModelState? state)
    {
        if (state is null) Model.Initialize(_settings.Seed);
        else Model.Load(state);
        _step = state?.Step ?? 0;
    }

    /// <summary>One pass over the training set; <paramref name="epoch"/> counts from 1.</summary>
    public EpochResult RunEpoch(int epoch, Action<TrainingProgress>? progress = null)
    {
        Permutation.FillShuffled(_hostOrder, _settings.Seed, epoch);
        _accelerator.Upload<int>(_order, _hostOrder);
        _lossLog.Reset();
        var noise = new NoiseSource(_settings.Seed, NoiseStreams.TrainNoise);
        int steps = StepsPerEpoch, examplesDone = 0;
        var clock = Stopwatch.StartNew();

        for (int stepInEpoch = 0; stepInEpoch < steps; stepInEpoch++)
        {
            int start = stepInEpoch * _settings.BatchSize;
            int rows = Math.Min(_settings.BatchSize, _train.Count - start);
            _train.Gather(_order.Slice(start, rows), _hostOrder.AsSpan(start, rows), _workspace.Input(rows), rows);
            VaePasses.Loss(Model, _workspace, rows, noise, Model.StepCounter, withGradient: true);
            _lossLog.Record(_workspace.Nll(rows), _workspace.Kl(rows), _step + 1);
            VaePasses.Backward(Model, _workspace, rows, _settings.KlWeight);
            _accelerator.AdamStep(Model.Parameters, Model.Gradients, Model.AdamM, Model.AdamV, _settings.Adam, Model.StepCounter);
            _accelerator.AdvanceCounter(Model.StepCounter);
            _step++;
            examplesDone += rows;

            bool last = stepInEpoch == steps - 1;
            if (_lossLog.IsFull || last)
            {
                _lossLog.Drain(epoch);
                double seconds = clock.Elapsed.TotalSeconds;
                progress?.Invoke(new TrainingProgress(epoch, stepInEpoch + 1, steps,
                    (_lossLog.Recon + _lossLog.Kl) / examplesDone, _lossLog.Kl / examplesDone, examplesDone / seconds));
            }
        }
        _accelerator.Synchronize();
        double elapsed = clock.Elapsed.TotalSeconds;
        return new EpochResult(epoch, (_lossLog.Recon + _lossLog.Kl) / examplesDone, _lossLog.Recon / examplesDone,
            _lossLog.Kl / examplesDone, elapsed, examplesDone / elapsed);
    }

    public void Dispose()
    {
        _lossLog.Dispose();
        _workspace.Dispose();
        _order.Dispose();
        _train.Dispose();
        Model.Dispose();
    }
}
