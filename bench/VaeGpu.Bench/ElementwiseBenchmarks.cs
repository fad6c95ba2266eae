using BenchmarkDotNet.Attributes;
using VaeGpu.Accelerators;
using VaeGpu.Benchmarks;
using VaeGpu.Model;
using VaeGpu.Random;

namespace VaeGpu.Bench;

/// <summary>
/// The element-wise ops at the default model's sizes, from its layout: Reparameterize (its latent width) and
/// AdamStep and SumShards of two shards (all its parameters), per accelerator and batch size. No GEMM here: those are in
/// <see cref="LinearBenchmarks"/> and <see cref="ElboOutputBenchmarks"/>.
/// </summary>
public class ElementwiseBenchmarks
{
    private static readonly VaeLayout Layout = new(TrainingStepRunner.DefaultArchitecture());

    private IAccelerator _accelerator = null!;
    private DeviceBuffer<float> _head = null!, _z = null!, _eps = null!, _kl = null!;
    private DeviceBuffer<float> _p = null!, _g = null!, _m = null!, _v = null!, _shards = null!;
    private DeviceBuffer<uint> _counter = null!;

    public static IEnumerable<string> AcceleratorNames => BenchAccelerators.Present();

    [ParamsSource(nameof(AcceleratorNames))]
    public string Accelerator { get; set; } = "cpu-v2";

    [Params(32, 128, 1024, 4096)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _accelerator = BenchAccelerators.Create(Accelerator);
        _head = BenchBuffers.Uniform(_accelerator, BatchSize * 2 * Layout.Latent, -1f, 1f);
        _z = _accelerator.Allocate<float>(BatchSize * Layout.Latent);
        _eps = _accelerator.Allocate<float>(BatchSize * Layout.Latent);
        _kl = _accelerator.Allocate<float>(BatchSize);
        _p = BenchBuffers.Uniform(_accelerator, Layout.ParameterCount, -0.05f, 0.05f);
        _g = BenchBuffers.Uniform(_accelerator, Layout.ParameterCount, -0.01f, 0.01f);
        _m = BenchBuffers.Uniform(_accelerator, Layout.ParameterCount, -1e-3f, 1e-3f);
        _v = BenchBuffers.Uniform(_accelerator, Layout.ParameterCount, 0f, 1e-4f);
        _shards = BenchBuffers.Uniform(_accelerator, 2 * Layout.ParameterCount, -0.01f, 0.01f);
        _counter = _accelerator.Allocate<uint>(1);
        _accelerator.Upload<uint>(_counter, [0u]);
        Reparameterize(); // kernel compilation on a device, outside the timings
        AdamStep();
        SumShards();
    }

    [Benchmark]
    public void Reparameterize()
    {
        _accelerator.Reparameterize(_head, _z, _eps, _kl, BatchSize, Layout.Latent, Layout.Architecture.LogVarClamp,
            new NoiseSource(1, NoiseStreams.TrainNoise), _counter);
        _accelerator.Synchronize();
    }

    [Benchmark]
    public void AdamStep()
    {
        _accelerator.AdamStep(_p, _g, _m, _v, new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), _counter);
        _accelerator.Synchronize();
    }

    /// <summary>The gradient of a two-shard step (Distributed:Shards = 2): what data parallelism adds to a step besides the exchange.</summary>
    [Benchmark]
    public void SumShards()
    {
        _accelerator.SumShards(_shards, _g, 2);
        _accelerator.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (DeviceBuffer<float> buffer in new[] { _head, _z, _eps, _kl, _p, _g, _m, _v, _shards }) buffer.Dispose();
        _counter.Dispose();
        _accelerator.Dispose();
    }
}
