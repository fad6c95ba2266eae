using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The reconstruction loss fused onto the decoder's output GEMM: C holds logits (without bias) on
/// entry; per row, the NLL is summed in double in <see cref="RowNllSum"/>'s order into nll[row], and
/// when a gradient is wanted C is overwritten by gradScale · ∂NLL/∂logit. Logits never leave the cache.
/// With <paramref name="vectorized"/> (CPU GEMM 2) the Bernoulli loss runs 16 (AVX-512) or 8 lanes at a
/// time (<see cref="BernoulliLossVectors"/>) with the bits of the scalar path, which takes the Gaussian
/// likelihoods, a machine without Vector256, CPU GEMM 1 and the columns past the vectors.
/// With <paramref name="rowTotals"/> the row sums stay in double there (a convolutional decoder's rows are
/// pixels, summed per image afterwards) and nll is not written.
/// </summary>
internal readonly unsafe struct ElboEpilogue(
    float* bias, float* target, float* nll, bool writeGradient, float gradScale, Likelihood likelihood, float* logSigma,
    bool vectorized, double* rowTotals = null) : IGemmEpilogue, IRowShiftable<ElboEpilogue>
{
    /// <summary>The targets have C's row length; nll or the row totals one value per row.</summary>
    public ElboEpilogue ShiftedBy(int rows, int rowLength) =>
        new(bias, target + (nint)rows * rowLength, nll is null ? null : nll + rows, writeGradient, gradScale, likelihood, logSigma,
            vectorized, rowTotals is null ? null : rowTotals + rows);

    public bool NeedsWholeRows => true;

    public void Apply(float* c, int ldc, int row0, int rows, int column0, int columns)
    {
        bool vectors = vectorized && likelihood.Kind == LikelihoodKind.Bernoulli;
        var loss = new BernoulliLossVectors(bias, writeGradient, gradScale);
        if (vectors && columns == 1 && ldc == 1 && rowTotals is not null)
        {
            // A one-channel image's pixels: one column per row, so the vectors run down the rows instead.
            int done = loss.SingleColumn(c + row0, target + row0, rows, rowTotals + row0);
            row0 += done;
            rows -= done;
        }
        for (int r = row0; r < row0 + rows; r++)
        {
            float* logits = c + (nint)r * ldc;
            float* x = target + (nint)r * ldc;
            var lanes = new RowNllSum();
            int j = vectors ? loss.Lanes(logits, x, RowNllSum.LaneColumns(columns), ref lanes) : 0;
            double sum = ScalarRowSum(logits, x, columns, from: j, lanes);
            if (rowTotals is not null) rowTotals[r] = sum; // a pixel of an image: the caller sums the image's pixels
            else nll[r] = (float)sum;
        }
    }

    /// <summary>
    /// Columns from <paramref name="from"/> on, one element at a time through kernels/Math/PixelLoss.cs (the
    /// device kernels' math), continuing <paramref name="lanes"/>; the row's sum in <see cref="RowNllSum"/>'s order.
    /// </summary>
    private double ScalarRowSum(float* logits, float* x, int columns, int from, RowNllSum lanes)
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
        LossTerm term = PixelLoss.Nll((int)likelihood.Kind, likelihood.Sigma, logSigma is null ? 0f : logSigma[j],
            logits[j] + bias[j], x[j]);
        if (writeGradient) logits[j] = gradScale * term.Gradient;
        return term.Nll;
    }
}
