using VaeGpu.Accelerators;
using VaeGpu.Kernels;

namespace VaeGpu.Benchmarks;

/// <summary>
/// LinearForward (y = act(x·wᵀ + b), bias and activation fused) at one shape, on buffers filled and
/// uploaded in the constructor; <see cref="Run"/> ends with <see cref="IAccelerator.Synchronize"/>.
/// </summary>
public sealed class LinearForwardRunner : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly DeviceBuffer<float> _x, _w, _b, _y;

    public LinearForwardRunner(IAccelerator accelerator, int rows, int inFeatures, int outFeatures,
        Activation activation = Activation.Relu)
    {
        _accelerator = accelerator;
        (Rows, InFeatures, OutFeatures, Activation) = (rows, inFeatures, outFeatures, activation);
        var random = new System.Random(12345);
        DeviceBuffer<float> Filled(int length, float scale)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
            DeviceBuffer<float> buffer = accelerator.Allocate<float>(length);
            accelerator.Upload<float>(buffer, values);
            return buffer;
        }
        _x = Filled(rows * inFeatures, 1f);
        _w = Filled(outFeatures * inFeatures, 1f / MathF.Sqrt(inFeatures));
        _b = Filled(outFeatures, 0.1f);
        _y = accelerator.Allocate<float>(rows * outFeatures);
        accelerator.Synchronize();
    }

    public int Rows { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Activation Activation { get; }

    public double Flops => 2.0 * Rows * InFeatures * OutFeatures;

    public string Shape => $"{Rows}×{InFeatures}→{OutFeatures}";

    public void Run(int times)
    {
        for (int i = 0; i < times; i++)
            _accelerator.LinearForward(_x, _w, _b, _y, Rows, InFeatures, OutFeatures, Activation);
        _accelerator.Synchronize();
    }

    public void Dispose()
    {
        _x.Dispose();
        _w.Dispose();
        _b.Dispose();
        _y.Dispose();
    }
}
