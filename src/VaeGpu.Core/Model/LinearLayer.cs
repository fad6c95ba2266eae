using VaeGpu.Accelerators;
using VaeGpu.Kernels;

namespace VaeGpu.Model;

/// <summary>
/// One fully connected layer's place in the flat parameter buffer: weights [Out × In] at
/// <see cref="WeightOffset"/>, then the bias [Out] right after them.
/// </summary>
public sealed record LinearLayer(string Name, int InFeatures, int OutFeatures, int WeightOffset, Activation Activation)
{
    public int WeightCount => OutFeatures * InFeatures;
    public int BiasOffset => WeightOffset + WeightCount;
    public int ParameterCount => WeightCount + OutFeatures;

    public DeviceSpan<float> Weights(DeviceSpan<float> flat) => flat.Slice(WeightOffset, WeightCount);
    public DeviceSpan<float> Bias(DeviceSpan<float> flat) => flat.Slice(BiasOffset, OutFeatures);

    /// <summary>Multiply-adds per example of the forward pass.</summary>
    public long MultiplyAdds => (long)InFeatures * OutFeatures;
}
