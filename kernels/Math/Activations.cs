using System.Runtime.CompilerServices;

namespace VaeGpu.Kernels;

/// <summary>
/// Element-wise activations by code (the values of <see cref="Activation"/>), and their derivatives
/// written through the output y, so that backward passes never need the pre-activation. Device code:
/// an unknown code is the identity. The host calls the <see cref="Activation"/> overloads.
/// </summary>
public static class Activations
{
    public const int Identity = (int)Activation.Identity;
    public const int Relu = (int)Activation.Relu;
    public const int Tanh = (int)Activation.Tanh;
    public const int LeakyRelu = (int)Activation.LeakyRelu;
    public const int Sigmoid = (int)Activation.Sigmoid;

    public const float LeakySlope = 0.01f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(int activation, float x)
    {
        if (activation == Relu) return x > 0f ? x : 0f;
        if (activation == Tanh) return ExactMath.Tanh(x);
        if (activation == LeakyRelu) return x > 0f ? x : LeakySlope * x;
        if (activation == Sigmoid) return 1f / (1f + ExactMath.Exp(-x));
        return x;
    }

    /// <summary>dy/dx expressed through y = act(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DerivativeFromOutput(int activation, float y)
    {
        if (activation == Relu) return y > 0f ? 1f : 0f;
        if (activation == Tanh) return 1f - y * y;
        if (activation == LeakyRelu) return y > 0f ? 1f : LeakySlope;
        if (activation == Sigmoid) return y * (1f - y);
        return 1f;
    }

    /// <summary>act(x) on the host: the same code the device kernels run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(Activation activation, float x) => Apply((int)activation, x);

    /// <summary>dy/dx through y = act(x), on the host.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DerivativeFromOutput(Activation activation, float y) => DerivativeFromOutput((int)activation, y);
}
