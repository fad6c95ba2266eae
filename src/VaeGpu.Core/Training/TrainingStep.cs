using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Random;

namespace VaeGpu.Training;

/// <summary>
/// One training step, written once for the <see cref="Trainer"/> and the benchmarks: a flat list of
/// op calls whose arguments depend on the batch size only. The batch comes from a device-side cursor
/// into the epoch's order, the noise and Adam's t from the model's step counter, the loss slot from the
/// cursor; so on an accelerator that can capture (CUDA), each batch size is captured once as a graph
/// and replayed (<see cref="StepGraphs"/>), and elsewhere the ops run one by one. A table's features
/// are floats that the byte gather cannot carry: its batches are gathered on the host and uploaded
/// (<see cref="DeviceImages.Gather"/>), and its steps are never captured (a capture cannot upload).
/// </summary>
public sealed class TrainingStep : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly VaeModel _model;
    private readonly DeviceImages _images;
    private readonly TrainingSettings _settings;
    private readonly DeviceBuffer<int> _order;
    private readonly DeviceBuffer<uint> _cursor;
    private readonly VaeWorkspace _workspace;
    private readonly StepGraphs? _graphs;
    private readonly NoiseSource _noise;
    private readonly Action<int> _ops;
    private int[] _hostOrder = [];
    private int _hostCursor;

    public TrainingStep(IAccelerator accelerator, VaeModel model, DeviceImages images, TrainingSettings settings)
    {
        _accelerator = accelerator;
        _model = model;
        _images = images;
        _settings = settings;
        _noise = new NoiseSource(settings.Seed, NoiseStreams.TrainNoise);
        _ops = Ops;
        _order = accelerator.Allocate<int>(images.Count);
        _cursor = accelerator.Allocate<uint>(1);
        _workspace = new VaeWorkspace(accelerator, model.Layout, Math.Min(settings.BatchSize, images.Count));
        LossLog = new LossLog(accelerator, settings.ReportEvery);
        if (settings.CaptureSteps && !images.Images.IsTable && accelerator is IStepCapture { CanCapture: true } capture)
            _graphs = new StepGraphs(capture);
    }

    /// <summary>The device-side (recon, KL) log that every step reduces its losses into.</summary>
    internal LossLog LossLog { get; }

    /// <summary>Whether steps replay captured graphs here.</summary>
    public bool Captures => _graphs is not null;

    /// <summary>
    /// Uploads the epoch's order of the images and puts the cursor on batch <paramref name="firstStep"/>
    /// (0, or where a mid-epoch checkpoint stopped); the loss log starts empty.
    /// </summary>
    public void BeginEpoch(ReadOnlySpan<int> order, int firstStep = 0)
    {
        _accelerator.Upload(_order, order);
        _accelerator.Upload<uint>(_cursor, [(uint)firstStep]);
        if (_images.Images.IsTable)
        {
            if (_hostOrder.Length != order.Length) _hostOrder = new int[order.Length];
            order.CopyTo(_hostOrder);
            _hostCursor = firstStep;
        }
        LossLog.Reset();
    }

    /// <summary>The next batch of <paramref name="rows"/> images of the epoch: forward, loss, backward, Adam.</summary>
    public void Run(int rows)
    {
        // A method group, not a lambda over rows: a step allocates nothing (CpuAllocationTests).
        if (_graphs is not null) _graphs.Run(rows, _ops);
        else Ops(rows);
    }

    private void Ops(int rows)
    {
        BatchAtCursor? batch = null;
        if (_images.Images.IsTable)
            _images.Gather(default, _hostOrder.AsSpan(_hostCursor++ * _settings.BatchSize, rows), _workspace.Input(rows), rows);
        else
            batch = new BatchAtCursor(_images.Pixels, _order, _cursor, _settings.BatchSize);   // gathered with the first layer
        VaePasses.Loss(_model, _workspace, rows, _noise, _model.StepCounter, withGradient: true, batch);
        VaePasses.Backward(_model, _workspace, rows, _settings.KlWeight);
        _accelerator.AdamStep(_model.Parameters, _model.Gradients, _model.AdamM, _model.AdamV, _settings.Adam, _model.StepCounter);
        // The loss sums and both counters: after Adam, which reads the step counter (nll and kl are untouched since Loss).
        LossLog.FinishStep(_workspace.Nll(rows), _workspace.Kl(rows), _model.StepCounter, _cursor);
    }

    public void Dispose()
    {
        _graphs?.Dispose();
        LossLog.Dispose();
        _workspace.Dispose();
        _cursor.Dispose();
        _order.Dispose();
    }
}
