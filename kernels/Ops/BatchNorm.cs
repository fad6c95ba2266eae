using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// BatchNorm2d over NHWC activations (rows = batch·height·width positions, channels innermost), version 1,
/// PyTorch's definition: x̂ = (y − mean)·invstd with the batch's biased variance, out = act(γ·x̂ + β); the
/// running statistics follow running = (1 − momentum)·running + momentum·batch with the unbiased variance.
///
/// Every per-channel sum has one fixed order, the same on every accelerator: the rows are cut into blocks of
/// <see cref="BlockRows"/>; one thread per (block, channel) sums its block's rows in order, in double (a partial);
/// one thread per channel then sums the partials in block order, in double. No atomics.
/// ChannelPartials     partial[block, c] = Σ y, or Σ (y − mean)², over the block's rows
/// Moments             per channel from the partials: the mean, or invstd = 1/√(var + ε) and the running update
/// RunningMoments      evaluation: (mean, invstd) from the running statistics
/// Normalize           out = act(γ·(y − mean)·invstd + β), one thread per element
/// BackwardPartials    partial[block, c] = (Σ g, Σ g·x̂), g the gradient by γ·x̂ + β (act' already applied)
/// BackwardTotals      dβ = Σ g, dγ = Σ g·x̂, per channel
/// BackwardInput       dy = γ·invstd·(g − dβ/R − x̂·dγ/R), one thread per element (may overwrite g in place)
/// Statistics layout: stats[0, C) the mean, stats[C, 2C) invstd; running[0, C) the mean, running[C, 2C) the variance.
/// CPU twin: VaeGpu.Accelerators.Cpu.BatchNormChannels (the same float and double operations in the same order).
/// </summary>
public static class BatchNormKernels
{
    /// <summary>Rows per partial sum: a few thousand partials for a conv layer of a 128 batch, enough threads for a GPU.</summary>
    public const int BlockRows = 64;

    /// <summary>What <see cref="ChannelPartials"/> sums: the values (for the mean) or their squared deviations (for the variance).</summary>
    public const int SumValues = 0, SumSquaredDeviations = 1;

    /// <summary>PyTorch's BatchNorm2d defaults.</summary>
    public const float Momentum = 0.1f, Epsilon = 1e-5f;

    public static int Blocks(int rows) => (rows + BlockRows - 1) / BlockRows;

    /// <summary>The double scratch the partial sums need (two per block and channel, the backward's pair).</summary>
    public static int PartialLength(int rows, int channels) => Math.Max(1, 2 * Blocks(rows) * channels);

    public static void ChannelPartials(Index1D element, ArrayView<float> y, ArrayView<float> stats, ArrayView<double> partial,
        int rows, int channels, int what)
    {
        int block = element / channels, c = element - block * channels;
        int end = Math.Min(rows, (block + 1) * BlockRows);
        double sum = 0;
        if (what == SumValues)
        {
            for (int r = block * BlockRows; r < end; r++) sum += y[r * channels + c];
        }
        else
        {
            float mean = stats[c];
            for (int r = block * BlockRows; r < end; r++)
            {
                double deviation = y[r * channels + c] - mean;
                sum += deviation * deviation;
            }
        }
        partial[element] = sum;
    }

    public static void Moments(Index1D c, ArrayView<double> partial, ArrayView<float> stats, ArrayView<float> running,
        int rows, int channels, int what, float momentum, float epsilon)
    {
        double sum = 0;
        for (int block = 0; block < Blocks(rows); block++) sum += partial[block * channels + c];
        if (what == SumValues)
        {
            stats[c] = (float)(sum / rows);
            return;
        }
        float variance = (float)(sum / rows);
        // The unbiased variance PyTorch keeps; one value per channel has none, and its biased one (0) is kept.
        float unbiased = rows > 1 ? (float)(sum / (rows - 1)) : variance;
        stats[channels + c] = 1f / MathF.Sqrt(variance + epsilon);
        float keep = 1f - momentum;
        running[c] = keep * running[c] + momentum * stats[c];
        running[channels + c] = keep * running[channels + c] + momentum * unbiased;
    }

    public static void RunningMoments(Index1D c, ArrayView<float> running, ArrayView<float> stats, int channels, float epsilon)
    {
        stats[c] = running[c];
        stats[channels + c] = 1f / MathF.Sqrt(running[channels + c] + epsilon);
    }

    public static void Normalize(Index1D i, ArrayView<float> y, ArrayView<float> stats, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> output, int channels, int activation)
    {
        int c = i % channels;
        float normalized = (y[i] - stats[c]) * stats[channels + c];
        output[i] = Activations.Apply(activation, gamma[c] * normalized + beta[c]);
    }

    public static void BackwardPartials(Index1D element, ArrayView<float> g, ArrayView<float> y, ArrayView<float> stats,
        ArrayView<double> partial, int rows, int channels)
    {
        int block = element / channels, c = element - block * channels;
        int end = Math.Min(rows, (block + 1) * BlockRows);
        float mean = stats[c], invstd = stats[channels + c];
        double sum = 0, weighted = 0;
        for (int r = block * BlockRows; r < end; r++)
        {
            int i = r * channels + c;
            float normalized = (y[i] - mean) * invstd;
            sum += g[i];
            weighted += (double)g[i] * normalized;
        }
        partial[2 * element] = sum;
        partial[2 * element + 1] = weighted;
    }

    public static void BackwardTotals(Index1D c, ArrayView<double> partial, ArrayView<float> dGamma, ArrayView<float> dBeta,
        int rows, int channels)
    {
        double sum = 0, weighted = 0;
        for (int block = 0; block < Blocks(rows); block++)
        {
            sum += partial[2 * (block * channels + c)];
            weighted += partial[2 * (block * channels + c) + 1];
        }
        dBeta[c] = (float)sum;
        dGamma[c] = (float)weighted;
    }

    public static void BackwardInput(Index1D i, ArrayView<float> g, ArrayView<float> y, ArrayView<float> stats, ArrayView<float> gamma,
        ArrayView<float> dGamma, ArrayView<float> dBeta, ArrayView<float> dy, int rows, int channels)
    {
        int c = i % channels;
        float invstd = stats[channels + c];
        float normalized = (y[i] - stats[c]) * invstd;
        float count = rows;
        float centered = g[i] - dBeta[c] / count;
        centered = centered - normalized * (dGamma[c] / count);
        dy[i] = gamma[c] * invstd * centered;
    }
}

/// <summary>Loads the BatchNorm kernels once per accelerator and launches them on a stream; the methods carry IAccelerator's op names.</summary>
public sealed class BatchNormLauncher
{
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>, int, int, int> _partials;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<double>, ArrayView<float>, ArrayView<float>, int, int, int, float, float> _moments;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, float> _runningMoments;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, int, int> _normalize;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, int, int> _backwardPartials;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<double>, ArrayView<float>, ArrayView<float>, int, int> _backwardTotals;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _backwardInput;
    private readonly LaunchCounter _launches;

    public BatchNormLauncher(Accelerator accelerator, LaunchCounter launches)
    {
        _launches = launches;
        _partials = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>, int, int, int>(
            BatchNormKernels.ChannelPartials);
        _moments = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<double>, ArrayView<float>, ArrayView<float>, int, int, int, float, float>(
            BatchNormKernels.Moments);
        _runningMoments = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float>(BatchNormKernels.RunningMoments);
        _normalize = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, int>(BatchNormKernels.Normalize);
        _backwardPartials = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>,
            int, int>(BatchNormKernels.BackwardPartials);
        _backwardTotals = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<double>, ArrayView<float>, ArrayView<float>, int, int>(
            BatchNormKernels.BackwardTotals);
        _backwardInput = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(BatchNormKernels.BackwardInput);
    }

    /// <summary>Training (batch statistics into stats, running updated) or evaluation (stats from running), then the normalization.</summary>
    public void Forward(AcceleratorStream stream, ArrayView<float> y, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> output,
        ArrayView<float> stats, ArrayView<float> running, ArrayView<double> partial, int rows, int channels, int activation, bool training,
        float momentum, float epsilon)
    {
        if (training)
        {
            // A batch of no rows has no statistics: nothing is written, as PyTorch refuses it.
            if (rows == 0) return;
            int partials = BatchNormKernels.Blocks(rows) * channels;
            foreach (int what in (ReadOnlySpan<int>)[BatchNormKernels.SumValues, BatchNormKernels.SumSquaredDeviations])
            {
                _launches.Add();
                _partials(stream, partials, y, stats, partial, rows, channels, what);
                _launches.Add();
                _moments(stream, channels, partial, stats, running, rows, channels, what, momentum, epsilon);
            }
        }
        else
        {
            _launches.Add();
            _runningMoments(stream, channels, running, stats, channels, epsilon);
        }
        if (rows == 0) return;
        _launches.Add();
        _normalize(stream, rows * channels, y, stats, gamma, beta, output, channels, activation);
    }

    public void Backward(AcceleratorStream stream, ArrayView<float> g, ArrayView<float> y, ArrayView<float> gamma, ArrayView<float> stats,
        ArrayView<float> dGamma, ArrayView<float> dBeta, ArrayView<float> dy, ArrayView<double> partial, int rows, int channels)
    {
        if (rows == 0) return;
        _launches.Add();
        _backwardPartials(stream, BatchNormKernels.Blocks(rows) * channels, g, y, stats, partial, rows, channels);
        _launches.Add();
        _backwardTotals(stream, channels, partial, dGamma, dBeta, rows, channels);
        _launches.Add();
        _backwardInput(stream, rows * channels, g, y, stats, gamma, dGamma, dBeta, dy, rows, channels);
    }
}
