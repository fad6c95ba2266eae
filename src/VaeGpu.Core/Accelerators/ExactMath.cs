namespace VaeGpu.Accelerators;

/// <summary>
/// The host's name for <see cref="VaeGpu.Kernels.ExactMath"/>: float transcendental functions
/// evaluated in double and rounded once, written once in kernels/ and called by the device kernels
/// and the CPU accelerator alike, which is what makes them agree bit for bit.
/// </summary>
public static class ExactMath
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => Kernels.ExactMath.Exp(x);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Log(float x) => Kernels.ExactMath.Log(x);

    /// <summary>1 − βᵗ for Adam's bias correction.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float OneMinusPower(float beta, float t) => Kernels.ExactMath.OneMinusPower(beta, t);
}
