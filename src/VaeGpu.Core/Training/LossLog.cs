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
    private readonly int[] _rows;
    private int _pending;
    private long _firstPendingStep;

    public LossLog(IAccelerator accelerator, int capacity)
    {
        _accelerator = accelerator;
        Capacity = capacity;
        _sums = accelerator.Allocate<float>(2 * capacity);
        _host = new float[2 * capacity];
        _rows = new int[capacity];
    }

    public int Capacity { get; }
    public bool IsFull => _pending == Capacity;

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

    /// <summary>Reduces this step's per-row terms into the next slot.</summary>
    public void Record(DeviceSpan<float> nll, DeviceSpan<float> kl, long step)
    {
        if (_pending == 0) _firstPendingStep = step;
        _rows[_pending] = nll.Length;
        _accelerator.Reduce(nll, _sums.Slice(2 * _pending, 1));
        _accelerator.Reduce(kl, _sums.Slice(2 * _pending + 1, 1));
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
            double perExample = ((double)recon + kl) / _rows[i];
            if (!(perExample >= LowestStepLoss)) LowestStepLoss = perExample; // NaN start: the first value wins

        }
        _pending = 0;
    }

    public void Dispose() => _sums.Dispose();
}
