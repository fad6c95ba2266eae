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
/// <see cref="LikelihoodKind"/>. Device code.
/// </summary>
public static class PixelLoss
{
    public const int Bernoulli = (int)LikelihoodKind.Bernoulli;
    public const int Gaussian = (int)LikelihoodKind.Gaussian;
    /// <summary>Gaussian with a learned σ per feature: the output layer's feature j has σ_j = exp(logσ_j), a parameter.</summary>
    public const int GaussianLearned = (int)LikelihoodKind.GaussianLearned;

    /// <summary>½·ln 2π.</summary>
    public const float HalfLogTwoPi = 0.9189385332046727f;

    /// <summary>
    /// NLL of target x given the decoder output (a logit, or a Gaussian mean with σ = sigma, or with
    /// σ = exp(logSigma) for <see cref="GaussianLearned"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LossTerm Nll(int likelihood, float sigma, float logSigma, float output, float x)
    {
        if (likelihood == GaussianLearned) return GaussianNll(ExactMath.Exp(logSigma), logSigma, output, x);
        return Nll(likelihood, sigma, output, x);
    }

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
        return GaussianNll(sigma, ExactMath.Log(sigma), output, x);
    }

    /// <summary>(x − μ)²/(2σ²) + log σ + ½·ln 2π and its gradient (μ − x)/σ² with respect to the mean μ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static LossTerm GaussianNll(float sigma, float logSigma, float output, float x)
    {
        LossTerm term;
        float variance = sigma * sigma;
        float difference = output - x;
        term.Gradient = difference / variance;
        term.Nll = difference * difference / (2f * variance) + logSigma + HalfLogTwoPi;
        return term;
    }

    /// <summary>
    /// One element's term of ∂loss/∂logσ_j for <see cref="GaussianLearned"/>, from the element's dLogits
    /// g = gradScale·(μ − x)/σ²: gradScale·(1 − (μ − x)²/σ²) = gradScale·(1 − (g/gradScale)²·σ²).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LogSigmaGradient(float dLogit, float gradScale, float logSigma)
    {
        float sigma = ExactMath.Exp(logSigma);
        float scaled = dLogit / gradScale;
        return gradScale * (1f - scaled * scaled * (sigma * sigma));
    }

    /// <summary>log(1 + e) for e in [0, 1], accurate when e is tiny (where 1 + e rounds to 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LogOnePlus(float e) => e < 1e-4f ? e * (1f - 0.5f * e) : ExactMath.Log(1f + e);
}
