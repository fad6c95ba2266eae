namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The reconstruction loss fused onto the decoder's output GEMM: C holds logits (without bias) on
/// entry; per row, the NLL is summed in double in <see cref="RowNllSum"/>'s order into nll[row], and
/// when a gradient is wanted C is overwritten by gradScale · ∂NLL/∂logit. Logits never leave the cache.
/// The plain version (CPU GEMM 1); <see cref="ElboEpilogue2"/> vectorizes the Bernoulli loss with the same bits.
/// </summary>
internal readonly unsafe struct ElboEpilogue(
    float* bias, float* target, float* nll, bool writeGradient, float gradScale, Likelihood likelihood, float* logSigma) : IGemmEpilogue
{
    public bool NeedsWholeRows => true;

    public void Apply(float* c, int ldc, int row0, int rows, int column0, int columns)
    {
        for (int r = row0; r < row0 + rows; r++)
            nll[r] = (float)ScalarRowSum(c + (nint)r * ldc, target + (nint)r * ldc, columns, from: 0, new RowNllSum());
    }

    /// <summary>
    /// Columns from <paramref name="from"/> on, one element at a time through kernels/PixelLoss.cs (the
    /// device kernels' math), continuing <paramref name="lanes"/>; the row's sum in <see cref="RowNllSum"/>'s order.
    /// </summary>
    internal double ScalarRowSum(float* logits, float* x, int columns, int from, RowNllSum lanes)
    {
        int laneColumns = RowNllSum.LaneColumns(columns), j = from;
        for (; j < laneColumns; j++) lanes.Add(j, Term(logits, x, j));
        double sum = lanes.Combine();
        for (; j < columns; j++) sum += Term(logits, x, j);
        return sum;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private float Term(float* logits, float* x, int j)
    {
        Kernels.LossTerm term = Kernels.PixelLoss.Nll((int)likelihood.Kind, likelihood.Sigma, logSigma is null ? 0f : logSigma[j],
            logits[j] + bias[j], x[j]);
        if (writeGradient) logits[j] = gradScale * term.Gradient;
        return term.Nll;
    }
}
