using VaeGpu.Accelerators;
using VaeGpu.Kernels;

namespace VaeGpu.Benchmarks;

/// <summary>
/// One convolution op (Conv2dForward or ConvTranspose2dForward, bias + ReLU fused) at one shape, on buffers
/// filled and uploaded in the constructor; <see cref="Run"/> ends with <see cref="IAccelerator.Synchronize"/>.
/// </summary>
public sealed class ConvRunner : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly DeviceBuffer<float> _x, _w, _b, _y;

    /// <param name="transposed">ConvTranspose2dForward (small → large) instead of Conv2dForward (large → small).</param>
    public ConvRunner(IAccelerator accelerator, ConvShape shape, bool transposed)
    {
        _accelerator = accelerator;
        Geometry = shape;
        Transposed = transposed;
        var random = new System.Random(12345);
        DeviceBuffer<float> Filled(int length, float scale)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = ((float)random.NextDouble() * 2 - 1) * scale;
            DeviceBuffer<float> buffer = accelerator.Allocate<float>(length);
            accelerator.Upload<float>(buffer, values);
            return buffer;
        }
        _x = Filled(transposed ? shape.OutputLength : shape.InputLength, 1f);
        _w = Filled(shape.WeightCount, 1f / MathF.Sqrt(shape.Taps));
        _b = Filled(transposed ? shape.InChannels : shape.OutChannels, 0.1f);
        _y = accelerator.Allocate<float>(transposed ? shape.InputLength : shape.OutputLength);
        Run(1); // kernel compilation on a device, outside the timings
    }

    public ConvShape Geometry { get; }

    public bool Transposed { get; }

    public string Op => Transposed ? nameof(IAccelerator.ConvTranspose2dForward) : nameof(IAccelerator.Conv2dForward);

    /// <summary>2 · outputs · taps: the implicit GEMM's multiply-adds (the transposed direction counts the same connections).</summary>
    public double Flops => 2.0 * Geometry.OutRows * Geometry.OutChannels * Geometry.Taps;

    /// <summary>"128×28×28×1→14×14×32" (large → small), or the reverse for the transposed direction.</summary>
    public string Shape
    {
        get
        {
            ConvShape s = Geometry;
            string large = $"{s.InHeight}×{s.InWidth}×{s.InChannels}", small = $"{s.OutHeight}×{s.OutWidth}×{s.OutChannels}";
            return Transposed ? $"{s.Batch}×{small}→{large}" : $"{s.Batch}×{large}→{small}";
        }
    }

    public void Run(int times)
    {
        for (int i = 0; i < times; i++)
        {
            if (Transposed) _accelerator.ConvTranspose2dForward(_x, _w, _b, _y, Geometry, Activation.Relu);
            else _accelerator.Conv2dForward(_x, _w, _b, _y, Geometry, Activation.Relu);
        }
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
