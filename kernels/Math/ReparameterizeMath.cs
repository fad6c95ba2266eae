using System.Runtime.CompilerServices;

namespace VaeGpu.Kernels;

/// <summary>
/// The reparameterization's arithmetic for one latent element, written once for the device kernels
/// (<see cref="ReparameterizeKernels"/>, <see cref="HeadSampleKernels"/>) and the CPU accelerator, as
/// <see cref="PixelLoss"/> is for the loss: one expression order on every accelerator is what keeps
/// them bit-identical. Device code: no throw, no allocation.
/// </summary>
public static class ReparameterizeMath
{
    /// <summary>
    /// The KL weight at <paramref name="step"/> (counted from 0): β · min(1, (step + 1) / warmupSteps), or β
    /// without a warm-up, in float as written. The backward kernel and the host (KlWeight.At) both call it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float KlWeight(float beta, int warmupSteps, long step) =>
        warmupSteps <= 0 ? beta : beta * Math.Min(1f, (float)(step + 1) / warmupSteps);

    /// <summary>logvar clamped to [min, max] before use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ClampLogVar(float logVar, float min, float max) => Math.Min(Math.Max(logVar, min), max);

    /// <summary>Whether the clamp leaves logvar alone (outside it, logvar's gradient is zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InsideClamp(float rawLogVar, float min, float max) => rawLogVar >= min && rawLogVar <= max;

    /// <summary>z = μ + exp(½·lv)·noise, lv the clamped logvar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sample(float mu, float logVar, float noise) => mu + ExactMath.Exp(0.5f * logVar) * noise;

    /// <summary>The element's KL(q ‖ N(0, 1)) term −½(1 + lv − μ² − exp(lv)); rows sum these in double, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float KlTerm(float mu, float logVar) => -0.5f * (1f + logVar - mu * mu - ExactMath.Exp(logVar));

    /// <summary>∂/∂μ: upstream + w·μ, w the step's KL weight times the batch-mean scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MuGradient(float upstream, float mu, float weight) => upstream + weight * mu;

    /// <summary>∂/∂logvar: upstream·½·exp(½·lv)·noise + w·½·(exp(lv) − 1) inside the clamp, 0 outside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LogVarGradient(float upstream, float rawLogVar, float noise, float weight, float min, float max)
    {
        if (!InsideClamp(rawLogVar, min, max)) return 0f;
        float variance = ExactMath.Exp(rawLogVar);
        float sigma = ExactMath.Exp(0.5f * rawLogVar);
        return upstream * 0.5f * sigma * noise + weight * 0.5f * (variance - 1f);
    }
}
