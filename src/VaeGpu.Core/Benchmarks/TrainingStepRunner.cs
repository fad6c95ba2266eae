using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Random;
using VaeGpu.Training;

namespace VaeGpu.Benchmarks;

/// <summary>
/// Whole training steps for benchmarks: <see cref="TrainingStep.Run"/>, the very method the trainer
/// calls (gather, encode, sample, decode + loss, the loss reductions into the log, backward, Adam,
/// counter), with the log read back when full as the trainer does. Model,
/// data and workspace are allocated and uploaded in the constructor, so timing <see cref="Run"/>
/// measures device work only; <see cref="Run"/> ends with <see cref="IAccelerator.Synchronize"/>.
/// </summary>
public sealed class TrainingStepRunner : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly DeviceImages _images;
    private readonly DeviceBuffer<int> _order;
    private readonly VaeWorkspace _workspace;
    private readonly int _batches;
    private readonly KlWeight _klWeight = new(1f, 0);
    private readonly AdamSettings _adam = new(1e-3f, 0.9f, 0.999f, 1e-8f);
    private readonly NoiseSource _noise = new(1, NoiseStreams.TrainNoise);
    private readonly LossLog _lossLog;
    private int _next;
    private long _step;

    public TrainingStepRunner(IAccelerator accelerator, VaeArchitecture architecture, ImageSet train, int batchSize, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (train.Count < batchSize)
            throw new ArgumentException($"{train.Count} images are fewer than one batch of {batchSize}");
        _accelerator = accelerator;
        BatchSize = batchSize;
        Model = new VaeModel(accelerator, architecture);
        Model.Initialize(seed);
        _images = new DeviceImages(accelerator, train);
        _batches = train.Count / batchSize;
        var order = new int[_batches * batchSize];
        var all = new int[train.Count];
        Permutation.FillShuffled(all, seed, 1);
        Array.Copy(all, order, order.Length);
        _order = accelerator.Allocate<int>(order.Length);
        accelerator.Upload<int>(_order, order);
        _workspace = new VaeWorkspace(accelerator, Model.Layout, batchSize);
        _lossLog = new LossLog(accelerator, ReportEvery);
        accelerator.Synchronize();
    }

    /// <summary>Steps between loss read-backs: the training default (Training:ReportEvery).</summary>
    public const int ReportEvery = 20;

    public VaeModel Model { get; }

    public int BatchSize { get; }

    /// <summary>Multiply-adds ×2 of one step's GEMMs (forward, loss, three backward products per layer).</summary>
    public double FlopsPerStep
    {
        get
        {
            double perExample = 0;
            VaeLayout layout = Model.Layout;
            foreach (LinearLayer layer in layout.Encoder.Append(layout.Head).Concat(layout.Decoder).Append(layout.Output))
                perExample += 2.0 * layer.InFeatures * layer.OutFeatures;
            return 3 * perExample * BatchSize;
        }
    }

    /// <summary>Runs <paramref name="steps"/> training steps and waits for the device.</summary>
    public void Run(int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            int rows = BatchSize;
            TrainingStep.Run(_accelerator, Model, _workspace, _images, _order.Slice(_next * rows, rows), rows, _noise,
                _klWeight, _adam, _lossLog, ++_step);
            _next = (_next + 1) % _batches;
            if (_lossLog.IsFull)
            {
                _lossLog.Drain(epoch: 1);
                _lossLog.Reset();
            }
        }
        _accelerator.Synchronize();
    }

    /// <summary>The default model: 784-400-20-400-784, ReLU, Bernoulli, logvar clamp [−30, 20].</summary>
    public static VaeArchitecture DefaultArchitecture(int hidden = 400, int latent = 20, int inputSize = 784) =>
        new(inputSize, [hidden], latent, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));

    public void Dispose()
    {
        _lossLog.Dispose();
        _workspace.Dispose();
        _order.Dispose();
        _images.Dispose();
        Model.Dispose();
    }
}
