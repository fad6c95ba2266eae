namespace VaeGpu.Kernels;

/// <summary>
/// Element-wise activations: the one definition the host (model, configuration, CPU accelerator) and
/// the device kernels share. Kernels take the value as an int (ILGPU kernel parameters must be
/// blittable, and enums are not treated as such), so <see cref="Activations"/> derives its int codes
/// from this enum rather than restating them. Every derivative is written in terms of the output y, so
/// backward passes never need the pre-activation (it is never stored).
/// </summary>
public enum Activation
{
    Identity = 0,
    Relu = 1,
    Tanh = 2,
    /// <summary>max(x, 0.01·x); slope <see cref="Activations.LeakySlope"/>.</summary>
    LeakyRelu = 3,
    /// <summary>Used only to turn Bernoulli logits into pixel means for images.</summary>
    Sigmoid = 4,
}
