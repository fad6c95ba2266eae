namespace VaeGpu.Accelerators;

/// <summary>
/// Float transcendental functions evaluated in double and rounded once, so that they are correctly
/// rounded (but for ~1 input in 2^29) whoever computes them. kernels/common.h does the same on every
/// device with double precision; with both, the CPU and a device accelerator agree bit for bit
/// instead of by a libm ulp, which is what lets two accelerators train the same model step for step
/// (Adam turns one-ulp gradient differences on near-zero gradients into visible parameter drift).
/// </summary>
public static class ExactMath
{
    public static float Exp(float x) => (float)Math.Exp(x);

    public static float Log(float x) => (float)Math.Log(x);

    /// <summary>1 − βᵗ for Adam's bias correction.</summary>
    public static float OneMinusPower(float beta, float t) => (float)(1.0 - Math.Pow(beta, t));
}
