using VaeGpu.Accelerators;
using VaeGpu.Kernels;

namespace VaeGpu.Model;

/// <summary>
/// A Conv2d (encoder) or ConvTranspose2d (decoder) layer and where its parameters sit in the flat buffer:
/// weights [OutChannels × k × k × InChannels] of its <see cref="Geometry"/> (for a transposed layer the
/// geometry of the Conv2d it is the adjoint of), then the bias, one per output channel; for a layer with a
/// BatchNorm2d (<see cref="Normalized"/>), then γ and β, one each per output channel.
/// </summary>
/// <param name="Geometry">The convolution for one image; <see cref="Shape"/> gives it for a batch.</param>
/// <param name="Activation">The activation of what the layer hands on: after the BatchNorm where there is one.</param>
/// <param name="StatisticsOffset">Where its running [mean | variance] sit in the model's running statistics; −1 without a BatchNorm.</param>
public sealed record ConvLayer(string Name, ConvShape Geometry, bool Transposed, int WeightOffset, Activation Activation, int StatisticsOffset = -1)
{
    public bool Normalized => StatisticsOffset >= 0;

    /// <summary>The channels of what the layer writes (the BatchNorm's channels).</summary>
    public int Channels => BiasCount;

    /// <summary>Positions × channels per batch of what the layer writes: the BatchNorm's rows are OutputSize / Channels per image.</summary>
    public int NormRows(int batch) => batch * (OutputSize / Channels);

    public int WeightCount => Geometry.WeightCount;

    /// <summary>One bias per channel of what the layer writes: the small image's for a Conv2d, the large one's for a transposed.</summary>
    public int BiasCount => Transposed ? Geometry.InChannels : Geometry.OutChannels;

    public int BiasOffset => WeightOffset + WeightCount;

    public int ParameterCount => WeightCount + BiasCount + (Normalized ? 2 * Channels : 0);

    /// <summary>The BatchNorm's γ (scale), after the bias.</summary>
    public int GammaOffset => BiasOffset + BiasCount;

    public DeviceSpan<float> Gamma(DeviceSpan<float> flat) => flat.Slice(GammaOffset, Channels);

    /// <summary>The BatchNorm's β (shift), after γ.</summary>
    public DeviceSpan<float> Beta(DeviceSpan<float> flat) => flat.Slice(GammaOffset + Channels, Channels);

    /// <summary>The running [mean | variance] of the model's running statistics.</summary>
    public DeviceSpan<float> Running(DeviceSpan<float> statistics) => statistics.Slice(StatisticsOffset, 2 * Channels);

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
