using System.Numerics;
using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The CPU twin of kernels/Ops/BatchNorm.cs: every sum in the device's order (blocks of
/// <see cref="BatchNormKernels.BlockRows"/> rows summed in order in double, then the blocks in order), every
/// element with the same float operations, so the bits are the device's. The per-block partials are
/// vectorized across channels (a lane per channel, rows in order in each lane: the device thread's sum);
/// where the channels do not fill a vector the rest run one at a time with the same operations.
/// </summary>
internal static unsafe class BatchNormChannels
{
    /// <summary>
    /// A range of blocks of <see cref="BatchNormKernels.ChannelPartials"/>: partial[block·C + c] = Σ y, or Σ (y − mean)²
    /// (<paramref name="squaredDeviations"/>), over the block's rows; for the backward (<paramref name="gradient"/> given)
    /// partial[block·C + c] = Σ g and weighted[block·C + c] = Σ g·x̂.
    /// </summary>
    internal readonly struct Partials(float* y, float* gradient, float* stats, double* partial, double* weighted, int rows, int channels,
        bool squaredDeviations) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int block = start; block < end; block++)
            {
                int first = block * BatchNormKernels.BlockRows, last = Math.Min(rows, first + BatchNormKernels.BlockRows);
                int c = 0;
                if (Vector.IsHardwareAccelerated)
                    for (; c + Vector<float>.Count <= channels; c += Vector<float>.Count)
                        VectorBlock(block, first, last, c);
                for (; c < channels; c++) ScalarBlock(block, first, last, c);
            }
        }

        private void VectorBlock(int block, int first, int last, int c)
        {
            var mean = new Vector<float>(new ReadOnlySpan<float>(stats + c, Vector<float>.Count));
            var invstd = new Vector<float>(new ReadOnlySpan<float>(stats + channels + c, Vector<float>.Count));
            Vector<double> sumLow = default, sumHigh = default, weightedLow = default, weightedHigh = default;
            for (int r = first; r < last; r++)
            {
                var value = new Vector<float>(new ReadOnlySpan<float>(y + (nint)r * channels + c, Vector<float>.Count));
                if (gradient is not null)
                {
                    var g = new Vector<float>(new ReadOnlySpan<float>(gradient + (nint)r * channels + c, Vector<float>.Count));
                    Vector.Widen(g, out Vector<double> gLow, out Vector<double> gHigh);
                    Vector.Widen((value - mean) * invstd, out Vector<double> normalizedLow, out Vector<double> normalizedHigh);
                    sumLow += gLow;
                    sumHigh += gHigh;
                    weightedLow += gLow * normalizedLow;
                    weightedHigh += gHigh * normalizedHigh;
                }
                else if (squaredDeviations)
                {
                    Vector.Widen(value - mean, out Vector<double> low, out Vector<double> high);
                    sumLow += low * low;
                    sumHigh += high * high;
                }
                else
                {
                    Vector.Widen(value, out Vector<double> low, out Vector<double> high);
                    sumLow += low;
                    sumHigh += high;
                }
            }
            int at = block * channels + c, half = Vector<double>.Count;
            sumLow.CopyTo(new Span<double>(partial + at, half));
            sumHigh.CopyTo(new Span<double>(partial + at + half, half));
            if (gradient is null) return;
            weightedLow.CopyTo(new Span<double>(weighted + at, half));
            weightedHigh.CopyTo(new Span<double>(weighted + at + half, half));
        }

        private void ScalarBlock(int block, int first, int last, int c)
        {
            float mean = stats[c], invstd = stats[channels + c];
            double sum = 0, weightedSum = 0;
            for (int r = first; r < last; r++)
            {
                float value = y[(nint)r * channels + c];
                if (gradient is not null)
                {
                    float g = gradient[(nint)r * channels + c];
                    float normalized = (value - mean) * invstd;
                    sum += g;
                    weightedSum += (double)g * normalized;
                }
                else if (squaredDeviations)
                {
                    double deviation = value - mean;
                    sum += deviation * deviation;
                }
                else sum += value;
            }
            partial[block * channels + c] = sum;
            if (gradient is not null) weighted[block * channels + c] = weightedSum;
        }
    }

    /// <summary>Σ over the blocks in order of channel c's partials (<see cref="BatchNormKernels.Moments"/>' and BackwardTotals' loop).</summary>
    public static double BlockSum(double* partial, int rows, int channels, int c)
    {
        double sum = 0;
        for (int block = 0; block < BatchNormKernels.Blocks(rows); block++) sum += partial[block * channels + c];
        return sum;
    }

    /// <summary>
    /// A range of rows of <see cref="BatchNormKernels.Normalize"/> (out = act(γ·(y − mean)·invstd + β)), or with
    /// <paramref name="gradient"/> of <see cref="BatchNormKernels.BackwardInput"/> (dy = a·(g − m1 − x̂·m2), with the
    /// per-channel a = γ·invstd, m1 = dβ/R and m2 = dγ/R in <paramref name="coefficients"/>).
    /// </summary>
    internal readonly struct Rows(float* y, float* gradient, float* stats, float* gamma, float* beta, float* coefficients, float* output,
        int channels, Activation activation) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                int c = 0;
                if (Vector.IsHardwareAccelerated)
                    for (; c + Vector<float>.Count <= channels; c += Vector<float>.Count) VectorRun(r, c);
                for (; c < channels; c++) Scalar(r, c);
                if (gradient is null)
                    ActivationKernels.ApplyInPlace(new Span<float>(output + (nint)r * channels, channels), activation);
            }
        }

        private static Vector<float> Load(float* from) => new(new ReadOnlySpan<float>(from, Vector<float>.Count));

        private void VectorRun(int r, int c)
        {
            nint at = (nint)r * channels + c;
            Vector<float> normalized = (Load(y + at) - Load(stats + c)) * Load(stats + channels + c);
            Vector<float> result;
            if (gradient is null) result = Load(gamma + c) * normalized + Load(beta + c);
            else
            {
                Vector<float> centered = Load(gradient + at) - Load(coefficients + channels + c);
                centered -= normalized * Load(coefficients + 2 * channels + c);
                result = Load(coefficients + c) * centered;
            }
            result.CopyTo(new Span<float>(output + at, Vector<float>.Count));
        }

        private void Scalar(int r, int c)
        {
            nint at = (nint)r * channels + c;
            float normalized = (y[at] - stats[c]) * stats[channels + c];
            if (gradient is null)
            {
                output[at] = gamma[c] * normalized + beta[c];
                return;
            }
            float centered = gradient[at] - coefficients[channels + c];
            centered -= normalized * coefficients[2 * channels + c];
            output[at] = coefficients[c] * centered;
        }
    }
}
