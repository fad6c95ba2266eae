using System.Runtime.CompilerServices;

namespace VaeGpu.Kernels;

/// <summary>
/// Float transcendental functions evaluated in double and rounded once, so that they are correctly
/// rounded (but for ~1 input in 2^29) whoever computes them: the managed CPU accelerator, ILGPU's CPU
/// accelerator (which runs this IL), and CUDA (where Math.Exp(double) becomes LibDevice's __nv_exp or
/// ILGPU.Algorithms' software exp). With both sides using these, accelerators agree bit for bit
/// instead of by a libm ulp, which is what lets two of them train the same model step for step
/// (Adam turns one-ulp gradient differences on near-zero gradients into visible parameter drift).
/// Device code: no throw, no allocation.
/// </summary>
public static class ExactMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => (float)Math.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x) => (float)Math.Log(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => (float)Math.Tanh(x);

    /// <summary>1 − βᵗ for Adam's bias correction: a float 1 − pow(0.999, t) would cancel three digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float OneMinusPower(float beta, float t) => (float)(1.0 - Math.Pow(beta, t));
}
