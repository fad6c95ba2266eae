using VaeGpu.Kernels;

namespace VaeGpu.Model;

/// <summary>The configuration's names of the activations (Model:Activation), both ways.</summary>
public static class ActivationNames
{
    /// <summary>Parses relu, tanh, leaky_relu: the ones a hidden layer may use.</summary>
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
