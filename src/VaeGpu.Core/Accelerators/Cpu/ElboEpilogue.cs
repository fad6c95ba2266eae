namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The reconstruction loss fused onto the decoder's output GEMM: C holds logits (without bias) on
/// entry; per row, the NLL is summed (in double, in column order) into nll[row], and when a
/// gradient is wanted C is overwritten by gradScale · ∂NLL/∂logit. Logits never leave the cache.
/// </summary>
internal readonly unsafe struct ElboEpilogue(
    float* bias, float* target, float* nll, bool writeGradient, float gradScale, Likelihood likelihood) : IGemmEpilogue
{
    public bool NeedsWholeRows => true;

    public void Apply(float* c, int ldc, int row0, int rows, int column0, int columns)
    {
        for (int r = row0; r < row0 + rows; r++)
        {
            float* logits = c + (nint)r * ldc;
            float* x = target + (nint)r * ldc;
            double sum = 0;
            for (int j = 0; j < columns; j++)
            {
                float logit = logits[j] + bias[j];
                sum += LossMath.Nll(likelihood, logit, x[j], out float gradient);
                if (writeGradient) logits[j] = gradScale * gradient;
            }
            nll[r] = (float)sum;
        }
    }
}

/// <summary>Per-pixel negative log-likelihoods and their gradients with respect to the decoder output.</summary>
internal static class LossMath
{
    private static readonly float HalfLogTwoPi = 0.9189385332046727f; // ½·ln 2π, the constant kernels/common.h uses

    public static float Nll(Likelihood likelihood, float output, float x, out float gradient)
    {
        if (likelihood.Kind == LikelihoodKind.Bernoulli)
        {
            // BCE from logits, stable for any |logit|: max(l, 0) − l·x + log(1 + e^−|l|).
            float e = ExactMath.Exp(-MathF.Abs(output));
            float sigmoid = output >= 0f ? 1f / (1f + e) : e / (1f + e);
            gradient = sigmoid - x;
            return MathF.Max(output, 0f) - output * x + LogOnePlus(e);
        }
        float sigmaSquared = likelihood.Sigma * likelihood.Sigma;
        float difference = output - x;
        gradient = difference / sigmaSquared;
        return difference * difference / (2f * sigmaSquared) + ExactMath.Log(likelihood.Sigma) + HalfLogTwoPi;
    }

    /// <summary>log(1 + e) for e in [0, 1], accurate when e is tiny (where 1 + e rounds to 1).</summary>
    private static float LogOnePlus(float e) => e < 1e-4f ? e * (1f - 0.5f * e) : ExactMath.Log(1f + e);
}
