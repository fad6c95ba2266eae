using VaeGpu.Accelerators;

namespace VaeGpu.Training;

/// <summary>
/// Per-step (recon, KL) batch sums kept on the device and read back every few steps, so that a GPU
/// is not stalled each step just to learn the loss. Each read-back checks every step for NaN/Inf.
/// </summary>
internal sealed class LossLog : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly DeviceBuffer<float> _sums;
    private readonly float[] _host;
    private int _pending;
    private long _firstPendingStep;

    public LossLog(IAccelerator accelerator, int capacity)
    {
        _accelerator = accelerator;
        Capacity = capacity;
        _sums = accelerator.Allocate<float>(2 * capacity);
        _host = new float[2 * capacity];
    }

    public int Capacity { get; }
    public bool IsFull => _pending == Capacity;

    public double Recon { get; private set; }
    public double Kl { get; private set; }

    public void Reset()
    {
        _pending = 0;
        Recon = 0;
        Kl = 0;
    }

    /// <summary>
    /// Reduces this step's per-row terms into slot cursor[0] mod Capacity, the slot read on the device
    /// (so that a captured step stays valid). The cursor counts steps from 0 within an epoch and the log
    /// drains when full and at the end of every epoch, so that slot is always the next pending one.
    /// </summary>
    public void Reduce(DeviceSpan<float> nll, DeviceSpan<float> kl, DeviceSpan<uint> cursor)
    {
        _accelerator.ReduceToSlot(nll, _sums, 2, 0, cursor);
        _accelerator.ReduceToSlot(kl, _sums, 2, 1, cursor);
    }

    /// <summary>Counts the step just reduced (host bookkeeping: which steps the pending slots hold).</summary>
    public void Recorded(long step)
    {
        if (_pending == 0) _firstPendingStep = step;
        _pending++;
    }

    /// <summary>Reads the pending slots back, adds them up, and throws on the first non-finite term.</summary>
    public void Drain(int epoch)
    {
        if (_pending == 0) return;
        Span<float> values = _host.AsSpan(0, 2 * _pending);
        _accelerator.Download(_sums.Slice(0, 2 * _pending), values);
        for (int i = 0; i < _pending; i++)
        {
            float recon = values[2 * i], kl = values[2 * i + 1];
            if (!float.IsFinite(recon)) throw new TrainingDivergedException("reconstruction", epoch, _firstPendingStep + i, recon);
            if (!float.IsFinite(kl)) throw new TrainingDivergedException("KL", epoch, _firstPendingStep + i, kl);
            Recon += recon;
            Kl += kl;
        }
        _pending = 0;
    }

    public void Dispose() => _sums.Dispose();
}
