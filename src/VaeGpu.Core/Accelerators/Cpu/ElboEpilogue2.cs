using System.Runtime.Intrinsics;
using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// Version 2 of <see cref="ElboEpilogue"/> (used with <see cref="Gemm2"/>): the Bernoulli loss and
/// its gradient 16 (AVX-512) or 8 lanes at a time, with the bits of the scalar version: the same
/// float operations as kernels/PixelLoss.cs in the same order, e^−|l| and log(1 + e) in double rounded
/// once (<see cref="ExactVectorMath"/>, as ExactMath everywhere), and each row's NLL summed in
/// <see cref="RowNllSum"/>'s order. The Gaussian likelihoods, a machine without Vector256 and the
/// columns past the vectors go through the scalar version.
/// </summary>
internal readonly unsafe struct ElboEpilogue2(
    float* bias, float* target, float* nll, bool writeGradient, float gradScale, Likelihood likelihood, float* logSigma) : IGemmEpilogue
{
    public bool NeedsWholeRows => true;

    private ElboEpilogue Scalar => new(bias, target, nll, writeGradient, gradScale, likelihood, logSigma);

    public void Apply(float* c, int ldc, int row0, int rows, int column0, int columns)
    {
        bool bernoulli = likelihood.Kind == LikelihoodKind.Bernoulli;
        for (int r = row0; r < row0 + rows; r++)
        {
            float* logits = c + (nint)r * ldc;
            float* x = target + (nint)r * ldc;
            var lanes = new RowNllSum();
            int j = 0;
            if (bernoulli && Vector512.IsHardwareAccelerated) j = Bernoulli512(logits, x, RowNllSum.LaneColumns(columns), ref lanes);
            else if (bernoulli && Vector256.IsHardwareAccelerated) j = Bernoulli256(logits, x, RowNllSum.LaneColumns(columns), ref lanes);
            nll[r] = (float)Scalar.ScalarRowSum(logits, x, columns, from: j, lanes);
        }
    }

    /// <summary>Columns 0 .. 16·⌊laneColumns/16⌋ into the eight lanes; returns the first column left.</summary>
    private int Bernoulli512(float* logits, float* x, int laneColumns, ref RowNllSum lanes)
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
    private int Bernoulli256(float* logits, float* x, int laneColumns, ref RowNllSum lanes)
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
