using BenchmarkDotNet.Attributes;
using VaeGpu.Accelerators;
using VaeGpu.Kernels;

namespace VaeGpu.Bench;

/// <summary>
/// The linear ops at the default model's shapes (784→400, 400→784) and 1024/4096 wide, per
/// accelerator and batch size. Buffers are allocated and uploaded in the setup; each measured
/// call ends with Synchronize, so device work is inside the timing and compile/upload are not.
/// </summary>
public class LinearBenchmarks
{
    private IAccelerator _accelerator = null!;
    private DeviceBuffer<float> _x = null!, _w = null!, _b = null!, _y = null!, _dy = null!, _dw = null!, _db = null!, _dx = null!;
    private int _in, _out;

    public static IEnumerable<string> AcceleratorNames => BenchAccelerators.Present();

    [ParamsSource(nameof(AcceleratorNames))]
    public string Accelerator { get; set; } = "cpu-v2";

    [Params(32, 128, 1024, 4096)]
    public int BatchSize { get; set; }

    /// <summary>inFeatures x outFeatures.</summary>
    [Params("784x400", "400x784", "1024x1024", "4096x4096")]
    public string Shape { get; set; } = "784x400";

    /// <summary>2·m·n·k per GEMM of the op: LinearBackward has two (dW and dX; db is a column sum).</summary>
    public static double Flops(string method, int batchSize, string shape)
    {
        (int inFeatures, int outFeatures) = Shapes.Parse(shape);
        double gemm = 2.0 * batchSize * inFeatures * outFeatures;
        return method == nameof(LinearBackward) ? 2 * gemm : gemm;
    }

    [GlobalSetup]
    public void Setup()
    {
        _accelerator = BenchAccelerators.Create(Accelerator);
        (_in, _out) = Shapes.Parse(Shape);
        _x = Filled(BatchSize * _in, 1f);
        _w = Filled(_out * _in, 1f / MathF.Sqrt(_in));
        _b = Filled(_out, 0.1f);
        _y = _accelerator.Allocate<float>(BatchSize * _out);
        _dy = Filled(BatchSize * _out, 0.01f);
        _dw = _accelerator.Allocate<float>(_out * _in);
        _db = _accelerator.Allocate<float>(_out);
        _dx = _accelerator.Allocate<float>(BatchSize * _in);
        // Warm every path once (kernel compilation on a device) outside the timings.
        LinearForward();
        LinearBackward();
    }

    [Benchmark] // bias + ReLU fused
    public void LinearForward()
    {
        _accelerator.LinearForward(_x, _w, _b, _y, BatchSize, _in, _out, Activation.Relu);
        _accelerator.Synchronize();
    }

    [Benchmark] // dW, db, dX with ReLU'
    public void LinearBackward()
    {
        _accelerator.LinearBackward(_dy, _x, _w, _dw, _db, _dx, BatchSize, _in, _out, Activation.Relu);
        _accelerator.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (DeviceBuffer<float> buffer in new[] { _x, _w, _b, _y, _dy, _dw, _db, _dx }) buffer.Dispose();
        _accelerator.Dispose();
    }

    private DeviceBuffer<float> Filled(int length, float scale) => BenchBuffers.Uniform(_accelerator, length, -scale, scale);
}
