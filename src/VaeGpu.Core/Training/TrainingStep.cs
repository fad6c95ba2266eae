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
/// <para>
/// It also owns the bookkeeping around the ops: the host's count of completed steps and of the epoch's
/// steps, which mirror the device's step counter and cursor (<see cref="CheckCounters"/> compares them),
/// and the loss log's protocol (record each step, read the log back when it is full, start each epoch
/// empty), so that the trainer and the benchmarks cannot drift apart in how they drive it.
/// </para>
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

    /// <summary>Shard s's gradients at [s·P, (s+1)·P), P the parameter count; null for an unsharded step.</summary>
    private readonly DeviceBuffer<float>? _shardGradients;

    /// <summary>With ranks (one process per shard, issue 23): this rank's shard gradients and every rank's, on the host.</summary>
    private readonly Distributed.IShardExchange? _exchange;
    private readonly float[] _ownGradients = [], _allGradients = [];
    private int[] _hostOrder = [];
    private int _epoch;

    /// <param name="exchange">
    /// Ranks of a data-parallel run: this process computes only shard <see cref="Distributed.IShardExchange.Rank"/> of
    /// each batch, and the shards' gradients and losses are gathered from every rank before they are summed in shard
    /// order, so the step equals one process's with the same <see cref="TrainingSettings.Shards"/>, bit for bit.
    /// </param>
    public TrainingStep(IAccelerator accelerator, VaeModel model, DeviceImages images, TrainingSettings settings,
        Distributed.IShardExchange? exchange = null)
    {
        _accelerator = accelerator;
        _model = model;
        _images = images;
        _settings = settings;
        if (settings.Shards < 1 || settings.BatchSize % settings.Shards != 0)
            throw new ArgumentException($"{settings.Shards} shards do not divide a batch of {settings.BatchSize}", nameof(settings));
        if (settings.Shards > 1 && model.Layout.EncoderConvs.Concat(model.Layout.DecoderConvs).Any(layer => layer.Normalized))
            throw new ArgumentException("a BatchNorm normalizes by its whole batch: it cannot be split into shards", nameof(settings));
        _noise = new NoiseSource(settings.Seed, NoiseStreams.TrainNoise);
        if (exchange is not null && exchange.Ranks != settings.Shards)
            throw new ArgumentException($"{exchange.Ranks} ranks need Distributed:Shards = {exchange.Ranks}, not {settings.Shards}", nameof(settings));
        _exchange = exchange;
        if (exchange is not null)
        {
            _ownGradients = new float[model.Layout.ParameterCount];
            _allGradients = new float[checked(exchange.Ranks * model.Layout.ParameterCount)];
        }
        _ops = settings.Shards == 1 ? Ops : ShardedOps;
        _order = accelerator.Allocate<int>(images.Count);
        _cursor = accelerator.Allocate<uint>(1);
        // A sharded step runs its shards one after the other through one shard-sized workspace.
        _workspace = new VaeWorkspace(accelerator, model.Layout, Math.Min(settings.ShardRows, images.Count));
        if (settings.Shards > 1) _shardGradients = accelerator.Allocate<float>(checked(settings.Shards * model.Layout.ParameterCount));
        _lossLog = new LossLog(accelerator, settings.ReportEvery, settings.Shards, settings.ShardRows, exchange);
        // A step with ranks exchanges through the host in its middle, which a captured graph cannot.
        if (settings.CaptureSteps && !images.Images.IsTable && exchange is null && accelerator is IStepCapture { CanCapture: true } capture)
            _graphs = new StepGraphs(capture);
    }

    /// <summary>The device-side (recon, KL) log that every step reduces its losses into.</summary>
    private readonly LossLog _lossLog;

    /// <summary>Whether steps replay captured graphs here.</summary>
    public bool Captures => _graphs is not null;

    /// <summary>Completed training steps: the host's mirror of the model's device step counter.</summary>
    public long Step { get; private set; }

    /// <summary>Steps done in this epoch: the host's mirror of the device cursor.</summary>
    public int StepInEpoch { get; private set; }

    /// <summary>This epoch's loss sums, as far as the log has been read (<see cref="ReadLosses"/>).</summary>
    public ILossSums Losses => _lossLog;

    /// <summary>Whether the loss log is full, so that the next step needs <see cref="ReadLosses"/> first.</summary>
    public bool LossesDue => _lossLog.IsFull;

    /// <summary>Loads the model's state (its device step counter included) and counts steps from its step.</summary>
    public void Load(ModelState state)
    {
        _model.Load(state);
        Step = state.Step;
    }

    /// <summary>
    /// Uploads the epoch's order of the images and puts the cursor on batch <paramref name="resumeFrom"/>'s
    /// steps (0 without one); the loss log starts empty, or at the sums of the steps before a mid-epoch
    /// checkpoint. The previous epoch's losses must have been read (<see cref="ReadLosses"/>).
    /// </summary>
    /// <param name="epoch">Counts from 1; names the epoch in a divergence error.</param>
    public void BeginEpoch(int epoch, ReadOnlySpan<int> order, PartialEpoch? resumeFrom = null)
    {
        if (_lossLog.HasPending)
            throw new InvalidOperationException($"epoch {_epoch} has steps whose losses were never read (ReadLosses)");
        int firstStep = resumeFrom?.StepsDone ?? 0;
        _accelerator.Upload(_order, order);
        _accelerator.Upload<uint>(_cursor, [(uint)firstStep]);
        if (_images.Images.IsTable)
        {
            if (_hostOrder.Length != order.Length) _hostOrder = new int[order.Length];
            order.CopyTo(_hostOrder);
        }
        _epoch = epoch;
        StepInEpoch = firstStep;
        _lossLog.Reset(resumeFrom?.Recon ?? 0, resumeFrom?.Kl ?? 0);
    }

    /// <summary>
    /// The next batch of <paramref name="rows"/> images of the epoch: forward, loss, backward, Adam, and the
    /// step recorded in the loss log. Reads the log first when it is full.
    /// </summary>
    public void Run(int rows)
    {
        if (_lossLog.IsFull) ReadLosses();
        // A method group, not a lambda over rows: a step allocates nothing (CpuAllocationTests).
        if (_graphs is not null) _graphs.Run(rows, _ops);
        else _ops(rows);
        Step++;
        _lossLog.Recorded(Step, rows, StepInEpoch);
        StepInEpoch++;
    }

    /// <summary>
    /// Reads the pending steps' losses back and adds them to <see cref="Losses"/>; throws
    /// <see cref="TrainingDivergedException"/> on the first non-finite term, naming it, the epoch and the step.
    /// </summary>
    public void ReadLosses() => _lossLog.Drain(_epoch);

    /// <summary>
    /// Reads the device's step counter and cursor back and throws when they differ from <see cref="Step"/>
    /// and <see cref="StepInEpoch"/>: the host and the device counted different steps (a step whose ops
    /// did not all run, a replayed graph that did not advance a counter). Waits for the device.
    /// </summary>
    public void CheckCounters()
    {
        Span<uint> device = stackalloc uint[2];
        _accelerator.Download<uint>(_model.StepCounter, device[..1]);
        _accelerator.Download<uint>(_cursor, device[1..]);
        if (device[0] != (uint)Step || device[1] != (uint)StepInEpoch)
            throw new InvalidOperationException(
                $"the host counted step {Step} ({StepInEpoch} of epoch {_epoch}), the device's counters say step {device[0]} ({device[1]} of the epoch)");
    }

    private void Ops(int rows)
    {
        BatchAtCursor? batch = null;
        if (_images.Images.IsTable)
            _images.Gather(default, _hostOrder.AsSpan(StepInEpoch * _settings.BatchSize, rows), _workspace.Input(rows), rows);
        else
            batch = new BatchAtCursor(_images.Pixels, _order, _cursor, _settings.BatchSize);   // gathered with the first layer
        VaePasses.Loss(_model, _workspace, rows, _noise, _model.StepCounter, withGradient: true, batch);
        VaePasses.Backward(_model, _workspace, rows, _settings.KlWeight);
        _accelerator.AdamStep(_model.Parameters, _model.Gradients, _model.AdamM, _model.AdamV, _settings.Adam, _model.StepCounter);
        // The loss sums and both counters: after Adam, which reads the step counter (nll and kl are untouched since Loss).
        _lossLog.FinishStep(_workspace.Nll(rows), _workspace.Kl(rows), _model.StepCounter, _cursor);
    }

    /// <summary>
    /// A step of <see cref="TrainingSettings.Shards"/> shards: each shard's rows of the batch (the gather offset by its
    /// first row, the noise drawn by global row) through the loss and the backward into its own gradients, scaled for the
    /// mean over the whole batch, and its loss sums into its pair of the log; then the shards' gradients summed in shard
    /// order, and one Adam step. A short last batch fills the first ⌈rows / ShardRows⌉ shards, and only those are summed.
    /// The same ops, shard by shard, are what one of N processes runs for its shard (issue 23).
    /// </summary>
    private void ShardedOps(int rows)
    {
        int shardRows = _settings.ShardRows, parameters = _model.Layout.ParameterCount;
        int filled = (rows + shardRows - 1) / shardRows;
        for (int shard = 0; shard < filled; shard++)
        {
            if (_exchange is not null && shard != _exchange.Rank) continue; // another rank's
            int firstRow = shard * shardRows, ownRows = Math.Min(shardRows, rows - firstRow);
            BatchAtCursor? batch = null;
            if (_images.Images.IsTable)
                _images.Gather(default, _hostOrder.AsSpan(StepInEpoch * _settings.BatchSize + firstRow, ownRows), _workspace.Input(ownRows), ownRows);
            else
                batch = new BatchAtCursor(_images.Pixels, _order.Slice(firstRow, _order.Length - firstRow), _cursor, _settings.BatchSize);
            DeviceSpan<float> gradients = _shardGradients!.Slice(shard * parameters, parameters);
            VaePasses.Loss(_model, _workspace, ownRows, _noise.AtRow(firstRow), _model.StepCounter, withGradient: true, batch, batchRows: rows);
            VaePasses.Backward(_model, _workspace, ownRows, _settings.KlWeight, gradients, batchRows: rows);
            _lossLog.RecordShard(shard, _workspace.Nll(ownRows), _workspace.Kl(ownRows), _cursor);
        }
        if (_exchange is not null) GatherShardGradients(filled);
        _accelerator.SumShards(_shardGradients!.Slice(0, filled * parameters), _model.Gradients, filled);
        _accelerator.AdamStep(_model.Parameters, _model.Gradients, _model.AdamM, _model.AdamV, _settings.Adam, _model.StepCounter);
        LossLog.AdvanceCounters(_accelerator, _model.StepCounter, _cursor);
    }

    /// <summary>
    /// Every rank's shard gradients into <see cref="_shardGradients"/>: this rank's downloaded, all gathered through the
    /// host, the filled shards uploaded. A rank whose shard is past a short last batch sends what its buffer holds,
    /// which no rank sums.
    /// </summary>
    private void GatherShardGradients(int filled)
    {
        int parameters = _model.Layout.ParameterCount, rank = _exchange!.Rank;
        if (rank < filled) _accelerator.Download<float>(_shardGradients!.Slice(rank * parameters, parameters), _ownGradients);
        _exchange.AllGather(_ownGradients, _allGradients);
        _accelerator.Upload<float>(_shardGradients!.Slice(0, filled * parameters), _allGradients.AsSpan(0, filled * parameters));
    }

    public void Dispose()
    {
        _graphs?.Dispose();
        _shardGradients?.Dispose();
        _lossLog.Dispose();
        _workspace.Dispose();
        _cursor.Dispose();
        _order.Dispose();
    }
}
