namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The reconstruction loss fused onto the decoder's output GEMM: C holds logits (without bias) on
/// entry; per row, the NLL is summed (in double, in column order) into nll[row], and when a
/// gradient is wanted C is overwritten by gradScale · ∂NLL/∂logit. Logits never leave the cache.
/// </summary>
internal readonly unsafe struct ElboEpilogue(
    float* bias, float* target, float* nll, bool writeGradient, float gradScale, Likelihood likelihood, float* logSigma) : IGemmEpilogue
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
                sum += LossMath.Nll(likelihood, logit, x[j], logSigma is null ? 0f : logSigma[j], out float gradient);
                if (writeGradient) logits[j] = gradScale * gradient;
            }
            nll[r] = (float)sum;
        }
    }
}

/// <summary>The per-pixel loss of kernels/PixelLoss.cs (written once, shared with the device kernels), for host types.</summary>
internal static class LossMath
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Nll(Likelihood likelihood, float output, float x, float logSigma, out float gradient)
    {
        Kernels.LossTerm term = Kernels.PixelLoss.Nll((int)likelihood.Kind, likelihood.Sigma, logSigma, output, x);
        gradient = term.Gradient;
        return term.Nll;
    }
}
