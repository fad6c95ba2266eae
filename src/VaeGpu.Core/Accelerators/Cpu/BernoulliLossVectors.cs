using System.Runtime.Intrinsics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The Bernoulli loss and its gradient 16 (AVX-512) or 8 lanes at a time, for <see cref="ElboEpilogue"/>
/// on CPU GEMM 2, with the bits of its scalar path: the same float operations as kernels/Math/PixelLoss.cs in
/// the same order, e^−|l| and log(1 + e) in double rounded once (<see cref="ExactVectorMath"/>, as
/// ExactMath everywhere), and each row's NLL into <see cref="RowNllSum"/>'s eight lanes.
/// </summary>
internal readonly unsafe struct BernoulliLossVectors(float* bias, bool writeGradient, float gradScale)
{
    /// <summary>
    /// The row's first columns, as many as the widest vectors cover within <paramref name="laneColumns"/>,
    /// into the lanes (which must be empty); returns the first column left (0 without Vector256).
    /// </summary>
    public int Lanes(float* logits, float* x, int laneColumns, ref RowNllSum lanes)
    {
        if (Vector512.IsHardwareAccelerated) return Lanes512(logits, x, laneColumns, ref lanes);
        if (Vector256.IsHardwareAccelerated) return Lanes256(logits, x, laneColumns, ref lanes);
        return 0;
    }

    /// <summary>
    /// Rows [0, count) of a one-column C (a one-channel image's pixels: rows contiguous, one bias), 16 or 8 rows at
    /// a time: each row's total is +0 + its term, which is what <see cref="RowNllSum"/> gives a row of one column.
    /// Returns the rows done (0 without Vector256); the caller takes the rest one at a time.
    /// </summary>
    public int SingleColumn(float* logits, float* x, int count, double* totals)
    {
        int r = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> b = Vector512.Create(bias[0]), scale = Vector512.Create(gradScale);
            for (; r + 16 <= count; r += 16)
            {
                (Vector512<float> loss, Vector512<float> gradient) = ExactVectorMath.Bernoulli(Vector512.Load(logits + r) + b, Vector512.Load(x + r));
                (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(loss);
                (Vector512<double>.Zero + lower).Store(totals + r);
                (Vector512<double>.Zero + upper).Store(totals + r + 8);
                if (writeGradient) (scale * gradient).Store(logits + r);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> b = Vector256.Create(bias[0]), scale = Vector256.Create(gradScale);
            for (; r + 8 <= count; r += 8)
            {
                (Vector256<float> loss, Vector256<float> gradient) = ExactVectorMath.Bernoulli(Vector256.Load(logits + r) + b, Vector256.Load(x + r));
                (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(loss);
                (Vector256<double>.Zero + lower).Store(totals + r);
                (Vector256<double>.Zero + upper).Store(totals + r + 4);
                if (writeGradient) (scale * gradient).Store(logits + r);
            }
        }
        return r;
    }

    /// <summary>Columns 0 .. 16·⌊laneColumns/16⌋ into the eight lanes; returns the first column left.</summary>
    private int Lanes512(float* logits, float* x, int laneColumns, ref RowNllSum lanes)
    {
        Vector512<double> sum = default;
        Vector512<float> scale = Vector512.Create(gradScale);
        int j = 0;
        for (; j + 16 <= laneColumns; j += 16)
        {
            Vector512<float> l = Vector512.Load(logits + j) + Vector512.Load(bias + j);
            Vector512<float> t = Vector512.Load(x + j);
            (Vector512<float> loss, Vector512<float> gradient) = ExactVectorMath.Bernoulli(l, t);
            (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(loss);
            sum += lower;   // columns j .. j+7: lanes 0..7
            sum += upper;   // columns j+8 .. j+15: lanes 0..7 again, after them
            if (writeGradient) (scale * gradient).Store(logits + j);
        }
        lanes.Set(sum);
        return j;
    }

    /// <summary>Columns 0 .. laneColumns into the eight lanes (two vectors of four); returns the first column left.</summary>
    private int Lanes256(float* logits, float* x, int laneColumns, ref RowNllSum lanes)
    {
        Vector256<double> lanes0To3 = default, lanes4To7 = default;
        Vector256<float> scale = Vector256.Create(gradScale);
        int j = 0;
        for (; j + 8 <= laneColumns; j += 8)
        {
            Vector256<float> l = Vector256.Load(logits + j) + Vector256.Load(bias + j);
            Vector256<float> t = Vector256.Load(x + j);
            (Vector256<float> loss, Vector256<float> gradient) = ExactVectorMath.Bernoulli(l, t);
            (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(loss);
            lanes0To3 += lower;
            lanes4To7 += upper;
            if (writeGradient) (scale * gradient).Store(logits + j);
        }
        lanes.Set(lanes0To3, lanes4To7);
        return j;
    }
}
