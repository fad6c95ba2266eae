using BenchmarkDotNet.Attributes;
using VaeGpu.Accelerators;
using VaeGpu.Benchmarks;
using VaeGpu.Model;

namespace VaeGpu.Bench;

/// <summary>
/// ElboOutput at the default model's output layer (400→784 GEMM + bias + Bernoulli loss + dLogits), per
/// accelerator and batch size; each call ends with Synchronize.
/// </summary>
public class ElboOutputBenchmarks
{
    /// <summary>The default model's output layer: the shapes come from its layout, not from literals.</summary>
    public static LinearLayer Layer { get; } = new VaeLayout(TrainingStepRunner.DefaultArchitecture()).Output;

    private IAccelerator _accelerator = null!;
    private DeviceBuffer<float> _h = null!, _w = null!, _b = null!, _target = null!, _nll = null!, _dLogits = null!;

    public static IEnumerable<string> AcceleratorNames => BenchAccelerators.Present();

    [ParamsSource(nameof(AcceleratorNames))]
    public string Accelerator { get; set; } = "cpu-v2";

    [Params(32, 128, 1024, 4096)]
    public int BatchSize { get; set; }

    /// <summary>2·m·n·k of the output GEMM (the loss and its gradient are element-wise and not counted).</summary>
    public static double Flops(int batchSize) => 2.0 * batchSize * Layer.InFeatures * Layer.OutFeatures;

    [GlobalSetup]
    public void Setup()
    {
        _accelerator = BenchAccelerators.Create(Accelerator);
        _h = BenchBuffers.Uniform(_accelerator, BatchSize * Layer.InFeatures, 0f, 1f);
        _w = BenchBuffers.Uniform(_accelerator, Layer.WeightCount, -0.05f, 0.05f);
        _b = BenchBuffers.Uniform(_accelerator, Layer.OutFeatures, -0.1f, 0.1f);
        _target = BenchBuffers.Uniform(_accelerator, BatchSize * Layer.OutFeatures, 0f, 1f);
        _nll = _accelerator.Allocate<float>(BatchSize);
        _dLogits = _accelerator.Allocate<float>(BatchSize * Layer.OutFeatures);
        ElboOutput(); // kernel compilation on a device, outside the timings
    }

    [Benchmark]
    public void ElboOutput()
    {
        _accelerator.ElboOutput(_h, _w, _b, _target, _nll, _dLogits, BatchSize, Layer.InFeatures, Layer.OutFeatures,
            Likelihood.Bernoulli, 1f / BatchSize);
        _accelerator.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (DeviceBuffer<float> buffer in new[] { _h, _w, _b, _target, _nll, _dLogits }) buffer.Dispose();
        _accelerator.Dispose();
    }
}
