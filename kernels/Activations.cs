using System.Runtime.CompilerServices;

namespace VaeGpu.Kernels;

/// <summary>
/// Element-wise activations by code (the values of VaeGpu.Accelerators.Activation), and their
/// derivatives written through the output y, so that backward passes never need the pre-activation.
/// Device code: an unknown code is the identity (the host validates codes before any launch).
/// </summary>
public static class Activations
{
    public const int Identity = 0;
    public const int Relu = 1;
    public const int Tanh = 2;
    public const int LeakyRelu = 3;
    public const int Sigmoid = 4;

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
}
