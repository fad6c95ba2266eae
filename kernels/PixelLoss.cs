using System.Runtime.CompilerServices;

namespace VaeGpu.Kernels;

/// <summary>One element's negative log-likelihood and its gradient with respect to the decoder output.</summary>
public struct LossTerm
{
    public float Nll;
    public float Gradient;
}

/// <summary>
/// Per-pixel (per-feature) negative log-likelihoods with their gradients: the loss of the fused
/// decoder-output kernel and of the CPU accelerator's loss epilogue. Codes are the values of
/// VaeGpu.Accelerators.LikelihoodKind. Device code.
/// </summary>
public static class PixelLoss
{
    public const int Bernoulli = 0;
    public const int Gaussian = 1;

    /// <summary>½·ln 2π.</summary>
    public const float HalfLogTwoPi = 0.9189385332046727f;

    /// <summary>NLL of target x given the decoder output (a logit, or a Gaussian mean with σ = sigma).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LossTerm Nll(int likelihood, float sigma, float output, float x)
    {
        LossTerm term;
        if (likelihood == Bernoulli)
        {
            // BCE from logits, stable for any |logit|: max(l, 0) − l·x + log(1 + e^−|l|).
            float e = ExactMath.Exp(-Math.Abs(output));
            float sigmoid = output >= 0f ? 1f / (1f + e) : e / (1f + e);
            term.Gradient = sigmoid - x;
            term.Nll = Math.Max(output, 0f) - output * x + LogOnePlus(e);
            return term;
        }
        float variance = sigma * sigma;
        float difference = output - x;
        term.Gradient = difference / variance;
        term.Nll = difference * difference / (2f * variance) + ExactMath.Log(sigma) + HalfLogTwoPi;
        return term;
    }

    /// <summary>log(1 + e) for e in [0, 1], accurate when e is tiny (where 1 + e rounds to 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LogOnePlus(float e) => e < 1e-4f ? e * (1f - 0.5f * e) : ExactMath.Log(1f + e);
}
