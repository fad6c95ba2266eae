using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Random;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Benchmarks;

/// <summary>
/// Whole training steps for benchmarks: the <see cref="TrainingStep"/> that the Trainer runs (gather,
/// forward, loss, loss-log reductions, backward, Adam, counters; a graph replay where the accelerator
/// captures), over full batches of a fixed order, with the loss log read back every
/// <see cref="ReportEvery"/> steps as the trainer does. Model, data and workspace are allocated and
/// uploaded in the constructor, and a few steps run there (capturing the graph on CUDA), so timing
/// <see cref="Run"/> measures steady-state device work; <see cref="Run"/> ends with
/// <see cref="IAccelerator.Synchronize"/>.
/// </summary>
public sealed class TrainingStepRunner : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly DeviceImages _images;
    private readonly TrainingStep _step;
    private readonly int[] _order;
    private readonly int _batches;
    private int _next;

    /// <param name="shards">Distributed:Shards: each batch's shards run one after the other, their gradients summed in shard order.</param>
    public TrainingStepRunner(IAccelerator accelerator, VaeArchitecture architecture, ImageSet train, int batchSize, ulong seed = 1,
        int shards = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (train.Count < batchSize)
            throw new ArgumentException($"{train.Count} images are fewer than one batch of {batchSize}");
        _accelerator = accelerator;
        BatchSize = batchSize;
        Model = new VaeModel(accelerator, architecture);
        _images = new DeviceImages(accelerator, train);
        _batches = train.Count / batchSize;
        _order = new int[train.Count];
        Permutation.FillShuffled(_order, seed, 1);
        var settings = new TrainingSettings(1, batchSize, seed, new KlWeight(1f, 0), new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f),
            ReportEvery) { Shards = shards };
        _step = new TrainingStep(accelerator, Model, _images, settings);
        _step.Load(Model.InitialState(seed));
        _step.BeginEpoch(1, _order);
        // The first step of a size runs op by op (its kernel launches are counted), the second is
        // captured where the accelerator captures.
        long before = (accelerator as Accelerators.Ilgpu.IlgpuAccelerator)?.KernelLaunches ?? 0;
        Run(1);
        if (accelerator is Accelerators.Ilgpu.IlgpuAccelerator ilgpu) KernelLaunchesPerStep = (int)(ilgpu.KernelLaunches - before);
        Run(1);
    }

    /// <summary>Kernels one step launches on an ILGPU accelerator (replayed as one graph launch on CUDA); null on the CPU.</summary>
    public int? KernelLaunchesPerStep { get; }

    /// <summary>Steps between loss read-backs: the training default (Training:ReportEvery).</summary>
    public const int ReportEvery = 20;

    public VaeModel Model { get; }

    public int BatchSize { get; }

    /// <summary>One step's GEMM FLOPs: the layout's count (forward 2·MACs, backward 4·MACs per layer) times the batch.</summary>
    public double FlopsPerStep => (double)Model.Layout.TrainingFlopsPerExample * BatchSize;

    /// <summary>Whether the steps replay a captured graph (CUDA).</summary>
    public bool Captures => _step.Captures;

    /// <summary>Runs <paramref name="steps"/> training steps and waits for the device.</summary>
    public void Run(int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            if (_next == _batches)
            {
                // A new pass over the same order: the cursor goes back to the first batch.
                _accelerator.Synchronize();
                _step.BeginEpoch(1, _order);
                _next = 0;
            }
            _step.Run(BatchSize);
            _next++;
            // Read back as the trainer does: when the log is full, and at the end of the pass.
            if (_step.LossesDue || _next == _batches) _step.ReadLosses();
        }
        _accelerator.Synchronize();
    }

    /// <summary>
    /// The convolutional model the issue and the PyTorch peer use: 28×28×1 images, channels 32,64 (Conv2d(4, 2, 1)
    /// each), latent 20, ReLU, Bernoulli, logvar clamp [−30, 20].
    /// </summary>
    public static VaeArchitecture DefaultConvArchitecture(int height = 28, int width = 28, int channels = 1, ConvNorm norm = ConvNorm.None) =>
        new(height * width * channels, [], 20, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f))
        {
            Conv = new ConvSpec(height, width, channels, [32, 64]) { Norm = norm },
        };

    /// <summary>The default model: 784-400-20-400-784, ReLU, Bernoulli, logvar clamp [−30, 20].</summary>
    public static VaeArchitecture DefaultArchitecture(int hidden = 400, int latent = 20, int inputSize = 784) =>
        new(inputSize, [hidden], latent, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));

    public void Dispose()
    {
        _step.Dispose();
        _images.Dispose();
        Model.Dispose();
    }
}
