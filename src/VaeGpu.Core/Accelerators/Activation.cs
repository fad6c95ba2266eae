namespace VaeGpu.Accelerators;

/// <summary>
/// Element-wise activations. Every derivative is written in terms of the activation's output y, so
/// backward passes never need the pre-activation (it is never stored).
/// </summary>
public enum Activation
{
    Identity = 0,
    Relu = 1,
    Tanh = 2,
    /// <summary>max(x, 0.01·x); slope <see cref="ActivationMath.LeakySlope"/>.</summary>
    LeakyRelu = 3,
    /// <summary>Used only to turn Bernoulli logits into pixel means for images.</summary>
    Sigmoid = 4,
}

public static class ActivationMath
{
    public const float LeakySlope = Kernels.Activations.LeakySlope;

    /// <summary>act(x): kernels/Activations.cs, the scalar code the device kernels run too.</summary>
    public static float Apply(Activation activation, float x) => Kernels.Activations.Apply(Checked(activation), x);

    /// <summary>dy/dx expressed through y = act(x).</summary>
    public static float DerivativeFromOutput(Activation activation, float y) =>
        Kernels.Activations.DerivativeFromOutput(Checked(activation), y);

    /// <summary>Device code treats an unknown code as the identity; the host refuses it.</summary>
    private static int Checked(Activation activation) =>
        activation is >= Activation.Identity and <= Activation.Sigmoid
            ? (int)activation
            : throw new ArgumentOutOfRangeException(nameof(activation), activation, null);

    /// <summary>Parses the configuration names relu, tanh, leaky_relu (the ones a hidden layer may use).</summary>
    public static bool TryParseHidden(string? name, out Activation activation)
    {
        activation = name?.Trim().ToLowerInvariant() switch
        {
            "relu" => Activation.Relu,
            "tanh" => Activation.Tanh,
            "leaky_relu" or "leakyrelu" => Activation.LeakyRelu,
            _ => (Activation)(-1),
        };
        return activation >= 0;
    }

    public static string ConfigName(Activation activation) => activation switch
    {
        Activation.Relu => "relu",
        Activation.Tanh => "tanh",
        Activation.LeakyRelu => "leaky_relu",
        Activation.Identity => "identity",
        Activation.Sigmoid => "sigmoid",
        _ => activation.ToString(),
    };
}
