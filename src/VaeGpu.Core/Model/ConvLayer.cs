using VaeGpu.Accelerators;
using VaeGpu.Kernels;

namespace VaeGpu.Model;

/// <summary>
/// A Conv2d (encoder) or ConvTranspose2d (decoder) layer and where its parameters sit in the flat buffer:
/// weights [OutChannels × k × k × InChannels] of its <see cref="Geometry"/> (for a transposed layer the
/// geometry of the Conv2d it is the adjoint of), then the bias, one per output channel.
/// </summary>
/// <param name="Geometry">The convolution for one image; <see cref="Shape"/> gives it for a batch.</param>
public sealed record ConvLayer(string Name, ConvShape Geometry, bool Transposed, int WeightOffset, Activation Activation)
{
    public int WeightCount => Geometry.WeightCount;

    /// <summary>One bias per channel of what the layer writes: the small image's for a Conv2d, the large one's for a transposed.</summary>
    public int BiasCount => Transposed ? Geometry.InChannels : Geometry.OutChannels;

    public int BiasOffset => WeightOffset + WeightCount;

    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>Floats per example the layer reads.</summary>
    public int InputSize => Transposed ? Geometry.OutputLength : Geometry.InputLength;

    /// <summary>Floats per example the layer writes.</summary>
    public int OutputSize => Transposed ? Geometry.InputLength : Geometry.OutputLength;

    /// <summary>
    /// PyTorch's fan-in for its default init: in·k·k for Conv2d, and for ConvTranspose2d its weight's dim 1
    /// (out) · k·k: both are the geometry's large-image channels · k·k.
    /// </summary>
    public int FanIn => Geometry.Taps;

    /// <summary>Multiply-adds per example of the forward pass (the same for the transposed direction).</summary>
    public long MultiplyAdds => (long)Geometry.OutRows * Geometry.OutChannels * Geometry.Taps;

    public ConvShape Shape(int batch) => Geometry.WithBatch(batch);

    public DeviceSpan<float> Weights(DeviceSpan<float> flat) => flat.Slice(WeightOffset, WeightCount);

    public DeviceSpan<float> Bias(DeviceSpan<float> flat) => flat.Slice(BiasOffset, BiasCount);
}
