using VaeGpu.Accelerators;

namespace VaeGpu.Benchmarks;

/// <summary>
/// ElboOutput (decoder-output GEMM + Bernoulli loss + dLogits, fused) at one shape, on buffers filled
/// and uploaded in the constructor; <see cref="Run"/> ends with <see cref="IAccelerator.Synchronize"/>.
/// </summary>
public sealed class ElboOutputRunner : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly DeviceBuffer<float> _h, _w, _b, _target, _nll, _dLogits;

    public ElboOutputRunner(IAccelerator accelerator, int rows, int hidden, int outFeatures)
    {
        _accelerator = accelerator;
        (Rows, Hidden, OutFeatures) = (rows, hidden, outFeatures);
        var random = new System.Random(54321);
        DeviceBuffer<float> Filled(int length, float low, float high)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = low + (float)random.NextDouble() * (high - low);
            DeviceBuffer<float> buffer = accelerator.Allocate<float>(length);
            accelerator.Upload<float>(buffer, values);
            return buffer;
        }
        _h = Filled(rows * hidden, 0f, 1f);
        _w = Filled(outFeatures * hidden, -0.05f, 0.05f);
        _b = Filled(outFeatures, -0.1f, 0.1f);
        _target = Filled(rows * outFeatures, 0f, 1f);
        _nll = accelerator.Allocate<float>(rows);
        _dLogits = accelerator.Allocate<float>(rows * outFeatures);
        accelerator.Synchronize();
    }

    public int Rows { get; }
    public int Hidden { get; }
    public int OutFeatures { get; }

    /// <summary>The GEMM's multiply-adds (the loss epilogue is not counted).</summary>
    public double Flops => 2.0 * Rows * Hidden * OutFeatures;

    public string Shape => $"{Rows}×{Hidden}→{OutFeatures}";

    public void Run(int times)
    {
        for (int i = 0; i < times; i++)
            _accelerator.ElboOutput(_h, _w, _b, _target, _nll, _dLogits, Rows, Hidden, OutFeatures, Likelihood.Bernoulli, 1f / Rows);
        _accelerator.Synchronize();
    }

    public void Dispose()
    {
        _h.Dispose();
        _w.Dispose();
        _b.Dispose();
        _target.Dispose();
        _nll.Dispose();
        _dLogits.Dispose();
    }
}
