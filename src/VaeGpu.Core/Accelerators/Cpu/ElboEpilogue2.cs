using System.Runtime.Intrinsics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// Version 2 of <see cref="ElboEpilogue"/> (used with <see cref="Gemm2"/>): the Bernoulli loss and
/// its gradient 16 (AVX-512) or 8 lanes at a time, e^−|l| in double rounded once (as everywhere),
/// each lane's NLL summed in double; the Gaussian likelihood and the row tails go through the scalar <see cref="LossMath"/>.
/// The per-row sum has a fixed order (lane-wise, then lanes in order, then the tail), so results
/// stay bit-identical for any thread count.
/// </summary>
internal readonly unsafe struct ElboEpilogue2(
    float* bias, float* target, float* nll, bool writeGradient, float gradScale, Likelihood likelihood, float* logSigma) : IGemmEpilogue
{
    public bool NeedsWholeRows => true;

    public void Apply(float* c, int ldc, int row0, int rows, int column0, int columns)
    {
        for (int r = row0; r < row0 + rows; r++)
        {
            float* logits = c + (nint)r * ldc;
            float* x = target + (nint)r * ldc;
            int j = 0;
            double sum = 0;
            if (likelihood.Kind == LikelihoodKind.Bernoulli)
            {
                if (Vector512.IsHardwareAccelerated) sum = Bernoulli512(logits, x, columns, ref j);
                else if (Vector256.IsHardwareAccelerated) sum = Bernoulli256(logits, x, columns, ref j);
            }
            for (; j < columns; j++)
            {
                float logit = logits[j] + bias[j];
                sum += LossMath.Nll(likelihood, logit, x[j], logSigma is null ? 0f : logSigma[j], out float gradient);
                if (writeGradient) logits[j] = gradScale * gradient;
            }
            nll[r] = (float)sum;
        }
    }

    private double Bernoulli512(float* logits, float* x, int columns, ref int j)
    {
        Vector512<double> low = default, high = default;
        Vector512<float> one = Vector512<float>.One, half = Vector512.Create(0.5f), small = Vector512.Create(1e-4f);
        Vector512<float> scale = Vector512.Create(gradScale);
        for (; j + 16 <= columns; j += 16)
        {
            Vector512<float> l = Vector512.Load(logits + j) + Vector512.Load(bias + j);
            Vector512<float> t = Vector512.Load(x + j);
            // max(l, 0) − l·x + log(1 + e^−|l|), σ(l) = 1/(1+e) or e/(1+e) by the sign of l.
            Vector512<float> e = ExactExp(-Vector512.Abs(l));
            Vector512<float> onePlus = one + e;
            Vector512<float> sigmoid = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(l, Vector512<float>.Zero), one / onePlus, e / onePlus);
            Vector512<float> log1p = Vector512.ConditionalSelect(Vector512.LessThan(e, small), e * (one - half * e), Vector512.Log(onePlus));
            Vector512<float> loss = Vector512.Max(l, Vector512<float>.Zero) - l * t + log1p;
            (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(loss);
            low += lower;
            high += upper;
            if (writeGradient) (scale * (sigmoid - t)).Store(logits + j);
        }
        return Vector512.Sum(low + high);
    }

    private double Bernoulli256(float* logits, float* x, int columns, ref int j)
    {
        Vector256<double> low = default, high = default;
        Vector256<float> one = Vector256<float>.One, half = Vector256.Create(0.5f), small = Vector256.Create(1e-4f);
        Vector256<float> scale = Vector256.Create(gradScale);
        for (; j + 8 <= columns; j += 8)
        {
            Vector256<float> l = Vector256.Load(logits + j) + Vector256.Load(bias + j);
            Vector256<float> t = Vector256.Load(x + j);
            Vector256<float> e = ExactExp(-Vector256.Abs(l));
            Vector256<float> onePlus = one + e;
            Vector256<float> sigmoid = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(l, Vector256<float>.Zero), one / onePlus, e / onePlus);
            Vector256<float> log1p = Vector256.ConditionalSelect(Vector256.LessThan(e, small), e * (one - half * e), Vector256.Log(onePlus));
            Vector256<float> loss = Vector256.Max(l, Vector256<float>.Zero) - l * t + log1p;
            (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(loss);
            low += lower;
            high += upper;
            if (writeGradient) (scale * (sigmoid - t)).Store(logits + j);
        }
        return Vector256.Sum(low + high);
    }

    // e^x in double, rounded once to float: the ExactMath.Exp that the scalar path and the kernels
    // use, so the gradient (σ − x) is the same float on every accelerator. Only the reported NLL goes
    // through the faster float Log.
    private static Vector512<float> ExactExp(Vector512<float> x)
    {
        (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(x);
        return Vector512.Narrow(Vector512.Exp(lower), Vector512.Exp(upper));
    }

    private static Vector256<float> ExactExp(Vector256<float> x)
    {
        (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(x);
        return Vector256.Narrow(Vector256.Exp(lower), Vector256.Exp(upper));
    }
}
