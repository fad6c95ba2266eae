using BenchmarkDotNet.Attributes;
using VaeGpu.Accelerators;
using VaeGpu.Benchmarks;
using VaeGpu.Kernels;
using VaeGpu.Model;

namespace VaeGpu.Bench;

/// <summary>
/// BatchNormForward (training: batch statistics, running update, normalize + ReLU) and BatchNormBackward at the
/// normalized layers of the default conv model with Model:Norm = batch (encoder.conv0 14×14×32, encoder.conv1
/// 7×7×64, decoder.conv0 14×14×32), per accelerator and batch size. Each call ends with Synchronize.
/// </summary>
public class BatchNormBenchmarks
{
    /// <summary>The default conv model with BatchNorm: the shapes come from its layout, not from literals.</summary>
    private static readonly VaeLayout Layout = new(TrainingStepRunner.DefaultConvArchitecture(norm: ConvNorm.Batch));

    private IAccelerator _accelerator = null!;
    private ConvLayer _layer = null!;
    private int _rows;
    private DeviceBuffer<float> _y = null!, _gamma = null!, _beta = null!, _output = null!, _statistics = null!, _running = null!,
        _gradient = null!, _dGamma = null!, _dBeta = null!, _dy = null!;

    public static IEnumerable<string> AcceleratorNames => BenchAccelerators.Present();

    /// <summary>The normalized layers by name.</summary>
    public static IEnumerable<string> LayerNames =>
        Layout.EncoderConvs.Concat(Layout.DecoderConvs).Where(layer => layer.Normalized).Select(layer => layer.Name);

    [ParamsSource(nameof(AcceleratorNames))]
    public string Accelerator { get; set; } = "cpu-v2";

    [Params(32, 128)]
    public int BatchSize { get; set; }

    [ParamsSource(nameof(LayerNames))]
    public string Layer { get; set; } = "encoder.conv0";

    [GlobalSetup]
    public void Setup()
    {
        _accelerator = BenchAccelerators.Create(Accelerator);
        _layer = Layout.EncoderConvs.Concat(Layout.DecoderConvs).Single(l => l.Name == Layer);
        _rows = _layer.NormRows(BatchSize);
        int length = BatchSize * _layer.OutputSize, channels = _layer.Channels;
        _y = BenchBuffers.Uniform(_accelerator, length, -1f, 2f);
        _gamma = BenchBuffers.Uniform(_accelerator, channels, 0.5f, 1.5f);
        _beta = BenchBuffers.Uniform(_accelerator, channels, -0.5f, 0.5f);
        _output = _accelerator.Allocate<float>(length);
        _statistics = _accelerator.Allocate<float>(2 * channels);
        _running = BenchBuffers.Uniform(_accelerator, 2 * channels, 0.5f, 1f);
        _gradient = BenchBuffers.Uniform(_accelerator, length, -0.01f, 0.01f);
        _dGamma = _accelerator.Allocate<float>(channels);
        _dBeta = _accelerator.Allocate<float>(channels);
        _dy = _accelerator.Allocate<float>(length);
        Forward(); // kernel compilation on a device, outside the timings
        Backward();
    }

    [Benchmark]
    public void Forward()
    {
        _accelerator.BatchNormForward(_y, _gamma, _beta, _output, _statistics, _running, _rows, _layer.Channels, Activation.Relu, training: true);
        _accelerator.Synchronize();
    }

    [Benchmark]
    public void Backward()
    {
        _accelerator.BatchNormBackward(_gradient, _y, _gamma, _statistics, _dGamma, _dBeta, _dy, _rows, _layer.Channels);
        _accelerator.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (DeviceBuffer<float> buffer in new[] { _y, _gamma, _beta, _output, _statistics, _running, _gradient, _dGamma, _dBeta, _dy })
            buffer.Dispose();
        _accelerator.Dispose();
    }
}
