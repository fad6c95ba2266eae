using BenchmarkDotNet.Attributes;
using VaeGpu.Accelerators;
using VaeGpu.Benchmarks;
using VaeGpu.Kernels;
using VaeGpu.Model;

namespace VaeGpu.Bench;

/// <summary>
/// The convolution ops at the default conv model's layers (28×28×1, channels 32,64: Conv2d 28×28×1 → 14×14×32
/// and 14×14×32 → 7×7×64, and the transposed convolutions back), per accelerator and batch size. Each layer
/// runs the ops the training step runs on it: an encoder layer Conv2dForward and Conv2dBackward (the first one
/// without dx, as the step does), a decoder layer ConvTranspose2dForward and ConvTranspose2dBackward, the output
/// layer ConvTranspose2dElboOutput. Each call ends with Synchronize.
/// </summary>
public class ConvBenchmarks
{
    /// <summary>The default conv model's layers: the shapes come from its layout, not from literals.</summary>
    private static readonly VaeLayout Layout = new(TrainingStepRunner.DefaultConvArchitecture());

    private IAccelerator _accelerator = null!;
    private ConvLayer _layer = null!;
    private ConvShape _shape;
    private bool _first;
    private DeviceBuffer<float> _small = null!, _large = null!, _w = null!, _b = null!, _dSmall = null!, _dLarge = null!,
        _dw = null!, _db = null!, _nll = null!;

    public static IEnumerable<string> AcceleratorNames => BenchAccelerators.Present();

    /// <summary>The layers by name: encoder.conv0, encoder.conv1, decoder.conv0, output.</summary>
    public static IEnumerable<string> LayerNames => Layout.EncoderConvs.Concat(Layout.DecoderConvs).Select(layer => layer.Name);

    [ParamsSource(nameof(AcceleratorNames))]
    public string Accelerator { get; set; } = "cpu-v2";

    [Params(32, 128)]
    public int BatchSize { get; set; }

    [ParamsSource(nameof(LayerNames))]
    public string Layer { get; set; } = "encoder.conv1";

    /// <summary>2 · multiply-adds per pass: one for Forward and WeightGradient, two for Backward (dw and dx) but for the first layer.</summary>
    public static double Flops(string method, string layer, int batchSize)
    {
        ConvLayer conv = Layout.EncoderConvs.Concat(Layout.DecoderConvs).Single(l => l.Name == layer);
        int passes = method == nameof(Backward) && conv != Layout.EncoderConvs[0] ? 2 : 1;
        return 2.0 * conv.MultiplyAdds * batchSize * passes;
    }

    [GlobalSetup]
    public void Setup()
    {
        _accelerator = BenchAccelerators.Create(Accelerator);
        _layer = Layout.EncoderConvs.Concat(Layout.DecoderConvs).Single(l => l.Name == Layer);
        _first = _layer == Layout.EncoderConvs[0];
        _shape = _layer.Shape(BatchSize);
        // The geometry's input is the large image, its output the small one, whichever way the layer runs.
        _large = BenchBuffers.Uniform(_accelerator, _shape.InputLength, 0f, 1f);
        _small = BenchBuffers.Uniform(_accelerator, _shape.OutputLength, 0f, 1f);
        _dLarge = BenchBuffers.Uniform(_accelerator, _shape.InputLength, -0.01f, 0.01f);
        _dSmall = BenchBuffers.Uniform(_accelerator, _shape.OutputLength, -0.01f, 0.01f);
        float scale = 1f / MathF.Sqrt(_layer.FanIn);
        _w = BenchBuffers.Uniform(_accelerator, _layer.WeightCount, -scale, scale);
        _b = BenchBuffers.Uniform(_accelerator, _layer.BiasCount, -scale, scale);
        _dw = _accelerator.Allocate<float>(_layer.WeightCount);
        _db = _accelerator.Allocate<float>(_layer.BiasCount);
        _nll = _accelerator.Allocate<float>(BatchSize);
        // Kernel compilation on a device, outside the timings.
        Forward();
        Backward();
    }

    /// <summary>Conv2dForward (bias + ReLU), ConvTranspose2dForward (bias + ReLU) or, for the output layer, ConvTranspose2dElboOutput.</summary>
    [Benchmark]
    public void Forward()
    {
        if (!_layer.Transposed)
            _accelerator.Conv2dForward(_large, _w, _b, _small, _shape, Activation.Relu);
        else if (_layer == Layout.OutputConv)
            _accelerator.ConvTranspose2dElboOutput(_small, _w, _b, _large, _nll, _dLarge, _shape, Likelihood.Bernoulli, 1f / BatchSize);
        else
            _accelerator.ConvTranspose2dForward(_small, _w, _b, _large, _shape, Activation.Relu);
        _accelerator.Synchronize();
    }

    /// <summary>dw, db and (but for the first encoder layer) dx with ReLU', as the training step runs it.</summary>
    [Benchmark]
    public void Backward()
    {
        if (_layer.Transposed)
            _accelerator.ConvTranspose2dBackward(_dLarge, _small, _w, _dw, _db, _dSmall, _shape, Activation.Relu);
        else
            _accelerator.Conv2dBackward(_dSmall, _large, _w, _dw, _db, _first ? default(DeviceSpan<float>) : _dLarge, _shape, Activation.Relu);
        _accelerator.Synchronize();
    }

    /// <summary>dw and db alone (no dx): the weight-gradient half of <see cref="Backward"/>.</summary>
    [Benchmark]
    public void WeightGradient()
    {
        if (_layer.Transposed)
            _accelerator.ConvTranspose2dBackward(_dLarge, _small, _w, _dw, _db, default, _shape, Activation.Relu);
        else
            _accelerator.Conv2dBackward(_dSmall, _large, _w, _dw, _db, default, _shape, Activation.Relu);
        _accelerator.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (DeviceBuffer<float> buffer in new[] { _small, _large, _w, _b, _dSmall, _dLarge, _dw, _db, _nll }) buffer.Dispose();
        _accelerator.Dispose();
    }
}
