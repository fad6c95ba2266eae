using VaeGpu.Accelerators;

namespace VaeGpu.Training;

/// <summary>
/// Per-step (recon, KL) batch sums kept on the device and read back every few steps, so that a GPU
/// is not stalled each step just to learn the loss. Each read-back checks every step for NaN/Inf.
/// A step of a sharded batch (Distributed:Shards) logs one (recon, KL) pair per shard, and the host adds
/// the shards' sums in shard order, as it would add the pairs that N processes gathered.
/// </summary>
internal sealed class LossLog : ILossSums, IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly DeviceBuffer<float> _sums;
    private readonly float[] _host;
    private readonly int[] _rows;
    private readonly int _shards, _shardRows;
    private readonly Distributed.IShardExchange? _exchange;
    private readonly float[] _gathered = [];
    private int _pending, _firstSlot;
    private long _firstPendingStep;

    /// <param name="shards">(recon, KL) pairs per step: one per shard of the batch.</param>
    /// <param name="shardRows">A full shard's rows: a short last batch fills only its first ⌈rows / shardRows⌉ shards.</param>
    /// <param name="exchange">Where each rank logs only its own shard's pairs: every read-back gathers the ranks' logs.</param>
    public LossLog(IAccelerator accelerator, int capacity, int shards = 1, int shardRows = int.MaxValue,
        Distributed.IShardExchange? exchange = null)
    {
        _exchange = exchange;
        if (exchange is not null) _gathered = new float[exchange.Ranks * 2 * shards * capacity];
        _accelerator = accelerator;
        Capacity = capacity;
        _shards = shards;
        _shardRows = shardRows;
        _sums = accelerator.Allocate<float>(2 * shards * capacity);
        _host = new float[2 * shards * capacity];
        _rows = new int[capacity];
    }

    public int Capacity { get; }
    public bool IsFull => _pending == Capacity;

    /// <summary>Whether steps were recorded that have not been read back yet.</summary>
    public bool HasPending => _pending > 0;

    public double Recon { get; private set; }
    public double Kl { get; private set; }

    /// <summary>The lowest per-example loss of one step read so far (NaN before any): the yardstick for divergence.</summary>
    public double LowestStepLoss { get; private set; } = double.NaN;

    /// <summary>Starts an epoch's sums, at zero or (a resumed mid-epoch checkpoint) at what the steps before it added.</summary>
    public void Reset(double recon = 0, double kl = 0)
    {
        _pending = 0;
        Recon = recon;
        Kl = kl;
        LowestStepLoss = double.NaN;
    }

    /// <summary>
    /// Ends a step: reduces its per-row terms into slot cursor[0] mod Capacity, the slot read on the device
    /// (so that a captured step stays valid), then advances the step counter and the cursor
    /// (<see cref="IAccelerator.FinishStep"/>, one launch where the step is fused). The cursor counts the
    /// steps of the epoch; the log drains when full, so the pending steps fill consecutive slots (mod
    /// Capacity) from the first one's.
    /// </summary>
    public void FinishStep(DeviceSpan<float> nll, DeviceSpan<float> kl, DeviceSpan<uint> stepCounter, DeviceSpan<uint> cursor)
    {
        if (_shards != 1) throw new InvalidOperationException("a sharded step logs each shard (RecordShard), then AdvanceCounters");
        _accelerator.FinishStep(nll, kl, _sums, stepCounter, cursor);
    }

    /// <summary>A sharded step's shard <paramref name="shard"/>: its per-row terms into its pair of the cursor's slot.</summary>
    public void RecordShard(int shard, DeviceSpan<float> nll, DeviceSpan<float> kl, DeviceSpan<uint> cursor)
    {
        _accelerator.ReduceToSlot(nll, _sums, 2 * _shards, 2 * shard, cursor);
        _accelerator.ReduceToSlot(kl, _sums, 2 * _shards, 2 * shard + 1, cursor);
    }

    /// <summary>A sharded step's end, after its shards were recorded and Adam ran: the step counter and the cursor advance.</summary>
    public static void AdvanceCounters(IAccelerator accelerator, DeviceSpan<uint> stepCounter, DeviceSpan<uint> cursor)
    {
        accelerator.AdvanceCounter(stepCounter);
        accelerator.AdvanceCounter(cursor);
    }

    /// <summary>Counts the step just reduced (host bookkeeping: which steps, of how many rows, the pending slots hold).</summary>
    /// <param name="stepInEpoch">The cursor's value for that step: its slot is this mod Capacity.</param>
    public void Recorded(long step, int rows, int stepInEpoch)
    {
        if (_pending == 0)
        {
            _firstPendingStep = step;
            _firstSlot = stepInEpoch % Capacity;
        }
        _rows[_pending] = rows;
        _pending++;
    }

    /// <summary>Reads the pending slots back, adds them up, and throws on the first non-finite term.</summary>
    public void Drain(int epoch)
    {
        if (_pending == 0) return;
        _accelerator.Download<float>(_sums, _host);
        if (_exchange is not null) TakeEachShardFromItsRank();
        for (int i = 0; i < _pending; i++)
        {
            int slot = (_firstSlot + i) % Capacity;
            int filled = (int)Math.Min(_shards, (_rows[i] + (long)_shardRows - 1) / _shardRows);
            double recon = 0, kl = 0;
            for (int shard = 0; shard < filled; shard++)
            {
                float shardRecon = _host[2 * (slot * _shards + shard)], shardKl = _host[2 * (slot * _shards + shard) + 1];
                if (!float.IsFinite(shardRecon)) throw new TrainingDivergedException("reconstruction", epoch, _firstPendingStep + i, shardRecon);
                if (!float.IsFinite(shardKl)) throw new TrainingDivergedException("KL", epoch, _firstPendingStep + i, shardKl);
                recon += shardRecon;
                kl += shardKl;
            }
            Recon += recon;
            Kl += kl;
            double perExample = (recon + kl) / _rows[i];
            if (!(perExample >= LowestStepLoss)) LowestStepLoss = perExample; // NaN start: the first value wins
        }
        _pending = 0;
    }

    /// <summary>Rank r logged only shard r's pairs: the gathered logs give every shard's from its own rank.</summary>
    private void TakeEachShardFromItsRank()
    {
        _exchange!.AllGather(_host, _gathered);
        for (int slot = 0; slot < Capacity; slot++)
            for (int shard = 0; shard < _shards; shard++)
            {
                int at = 2 * (slot * _shards + shard);
                _host[at] = _gathered[shard * _host.Length + at];
                _host[at + 1] = _gathered[shard * _host.Length + at + 1];
            }
    }

    public void Dispose() => _sums.Dispose();
}
