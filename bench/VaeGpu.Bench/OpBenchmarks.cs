using BenchmarkDotNet.Attributes;
using VaeGpu.Accelerators;
using VaeGpu.Benchmarks;
using VaeGpu.Data;
using VaeGpu.Random;
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

    private DeviceBuffer<float> Filled(int length, float scale)
    {
        var random = new System.Random(length);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        DeviceBuffer<float> buffer = _accelerator.Allocate<float>(length);
        _accelerator.Upload<float>(buffer, values);
        return buffer;
    }
}

/// <summary>ElboOutput (400→784 + Bernoulli loss + gradient), Reparameterize (20 latent) and AdamStep (the default model's 652,824 parameters).</summary>
public class ElementwiseBenchmarks
{
    private IAccelerator _accelerator = null!;
    private DeviceBuffer<float> _h = null!, _w = null!, _b = null!, _target = null!, _nll = null!, _dLogits = null!;
    private DeviceBuffer<float> _head = null!, _z = null!, _eps = null!, _kl = null!;
    private DeviceBuffer<float> _p = null!, _g = null!, _m = null!, _v = null!;
    private DeviceBuffer<uint> _counter = null!;
    private const int Hidden = 400, Pixels = 784, Latent = 20, Parameters = 652_824;

    public static IEnumerable<string> AcceleratorNames => BenchAccelerators.Present();

    [ParamsSource(nameof(AcceleratorNames))]
    public string Accelerator { get; set; } = "cpu-v2";

    [Params(32, 128, 1024, 4096)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _accelerator = BenchAccelerators.Create(Accelerator);
        _h = Filled(BatchSize * Hidden, 0f, 1f);
        _w = Filled(Pixels * Hidden, -0.05f, 0.05f);
        _b = Filled(Pixels, -0.1f, 0.1f);
        _target = Filled(BatchSize * Pixels, 0f, 1f);
        _nll = _accelerator.Allocate<float>(BatchSize);
        _dLogits = _accelerator.Allocate<float>(BatchSize * Pixels);
        _head = Filled(BatchSize * 2 * Latent, -1f, 1f);
        _z = _accelerator.Allocate<float>(BatchSize * Latent);
        _eps = _accelerator.Allocate<float>(BatchSize * Latent);
        _kl = _accelerator.Allocate<float>(BatchSize);
        _p = Filled(Parameters, -0.05f, 0.05f);
        _g = Filled(Parameters, -0.01f, 0.01f);
        _m = Filled(Parameters, 0f, 0f);
        _v = Filled(Parameters, 0f, 0f);
        _counter = _accelerator.Allocate<uint>(1);
        _accelerator.Upload<uint>(_counter, [0u]);
        ElboOutput();
        Reparameterize();
        AdamStep();
    }

    [Benchmark] // GEMM + bias + BCE + gradient
    public void ElboOutput()
    {
        _accelerator.ElboOutput(_h, _w, _b, _target, _nll, _dLogits, BatchSize, Hidden, Pixels, Likelihood.Bernoulli, 1f / BatchSize);
        _accelerator.Synchronize();
    }

    [Benchmark]
    public void Reparameterize()
    {
        _accelerator.Reparameterize(_head, _z, _eps, _kl, BatchSize, Latent, new LogVarClamp(-30f, 20f),
            new NoiseSource(1, NoiseStreams.TrainNoise), _counter);
        _accelerator.Synchronize();
    }

    [Benchmark]
    public void AdamStep()
    {
        _accelerator.AdamStep(_p, _g, _m, _v, new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), _counter);
        _accelerator.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (DeviceBuffer<float> buffer in new[] { _h, _w, _b, _target, _nll, _dLogits, _head, _z, _eps, _kl, _p, _g, _m, _v })
            buffer.Dispose();
        _counter.Dispose();
        _accelerator.Dispose();
    }

    private DeviceBuffer<float> Filled(int length, float low, float high)
    {
        var random = new System.Random(length);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = low + (float)random.NextDouble() * (high - low);
        DeviceBuffer<float> buffer = _accelerator.Allocate<float>(length);
        _accelerator.Upload<float>(buffer, values);
        return buffer;
    }
}

/// <summary>One whole training step of the default model (gather … Adam), per accelerator and batch size.</summary>
public class TrainingStepBenchmarks
{
    private IAccelerator _accelerator = null!;
    private TrainingStepRunner _runner = null!;

    public static IEnumerable<string> AcceleratorNames => BenchAccelerators.Present();

    [ParamsSource(nameof(AcceleratorNames))]
    public string Accelerator { get; set; } = "cpu-v2";

    [Params(32, 128, 1024, 4096)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _accelerator = BenchAccelerators.Create(Accelerator);
        DataSplit data = DataLocator.Resolve(null);
        _runner = new TrainingStepRunner(_accelerator, TrainingStepRunner.DefaultArchitecture(), data.Train, BatchSize);
        _runner.Run(2);
    }

    [Benchmark]
    public void TrainingStep() => _runner.Run(1);

    [GlobalCleanup]
    public void Cleanup()
    {
        _runner.Dispose();
        _accelerator.Dispose();
    }
}

/// <summary>
/// How the CPU step time grows with batch size and hidden width (784-H-20-H-784): the latest GEMM
/// version only, fewer iterations (the large cases take seconds per step).
/// </summary>
[WarmupCount(1)]
[IterationCount(3)]
public class ScalingBenchmarks
{
    private IAccelerator _accelerator = null!;
    private TrainingStepRunner _runner = null!;

    [Params(256, 512, 1024, 2048)]
    public int Hidden { get; set; }

    [Params(32, 128, 512, 1024, 4096)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _accelerator = BenchAccelerators.Create($"cpu-v{VaeGpu.Accelerators.Cpu.CpuAccelerator.LatestGemmVersion}");
        DataSplit data = DataLocator.Resolve(null);
        _runner = new TrainingStepRunner(_accelerator, TrainingStepRunner.DefaultArchitecture(Hidden), data.Train, BatchSize);
        _runner.Run(1);
    }

    [Benchmark]
    public void TrainingStep() => _runner.Run(1);

    [GlobalCleanup]
    public void Cleanup()
    {
        _runner.Dispose();
        _accelerator.Dispose();
    }
}
