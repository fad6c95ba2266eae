using BenchmarkDotNet.Attributes;
using VaeGpu.Accelerators;
using VaeGpu.Benchmarks;
using VaeGpu.Data;
using VaeGpu.Model;

namespace VaeGpu.Bench;

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

    /// <summary>
    /// The layout's own count (forward 2·MACs, backward 4·MACs per layer) times the batch, for the default
    /// model or 784-<paramref name="hidden"/>-20-<paramref name="hidden"/>-784.
    /// </summary>
    public static double Flops(int batchSize, int? hidden = null)
    {
        VaeArchitecture architecture = hidden is { } width ? TrainingStepRunner.DefaultArchitecture(width) : TrainingStepRunner.DefaultArchitecture();
        return (double)new VaeLayout(architecture).TrainingFlopsPerExample * batchSize;
    }

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
