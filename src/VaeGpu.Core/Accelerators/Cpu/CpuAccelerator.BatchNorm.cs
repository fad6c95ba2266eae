using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// BatchNorm2d on the CPU (<see cref="BatchNormChannels"/>), in the device's order of kernels/Ops/BatchNorm.cs: the
/// per-block partial sums run on the pool (a block's sums are the same whichever thread takes it), the per-channel
/// totals over the blocks one channel at a time, then the element-wise pass over rows on the pool.
/// </summary>
public sealed unsafe partial class CpuAccelerator
{
    private ParallelRanges<BatchNormChannels.Partials>? _batchNormPartials;
    private ParallelRanges<BatchNormChannels.Rows>? _batchNormRows;

    // Grown on first use to the largest layer, then reused: a step allocates nothing.
    private double[] _batchNormPartialSums = [], _batchNormWeightedSums = [];
    private float[] _batchNormCoefficients = [];

    private ParallelRanges<BatchNormChannels.Partials> BatchNormPartialJobs =>
        _batchNormPartials ??= new ParallelRanges<BatchNormChannels.Partials>(_workers, Threads * 2);

    private ParallelRanges<BatchNormChannels.Rows> BatchNormRowJobs =>
        _batchNormRows ??= new ParallelRanges<BatchNormChannels.Rows>(_workers, Threads * 2);

    public void BatchNormForward(DeviceSpan<float> y, DeviceSpan<float> gamma, DeviceSpan<float> beta, DeviceSpan<float> output,
        DeviceSpan<float> statistics, DeviceSpan<float> running, int rows, int channels, Activation activation, bool training)
    {
        OpShapes.BatchNormForward(this, y, gamma, beta, output, statistics, running, rows, channels);
        if (training && rows == 0) return;
        float* stats = Pointer(statistics), runningStats = Pointer(running);
        if (training)
        {
            Grow(ref _batchNormPartialSums, BatchNormKernels.Blocks(rows) * channels);
            fixed (double* partial = _batchNormPartialSums)
            {
                SumBlocks(Pointer(y), null, stats, partial, null, rows, channels, squaredDeviations: false);
                for (int c = 0; c < channels; c++)
                    stats[c] = (float)(BatchNormChannels.BlockSum(partial, rows, channels, c) / rows);
                SumBlocks(Pointer(y), null, stats, partial, null, rows, channels, squaredDeviations: true);
                for (int c = 0; c < channels; c++)
                {
                    // BatchNormKernels.Moments, operation for operation.
                    double sum = BatchNormChannels.BlockSum(partial, rows, channels, c);
                    float variance = (float)(sum / rows);
                    float unbiased = rows > 1 ? (float)(sum / (rows - 1)) : variance;
                    stats[channels + c] = 1f / MathF.Sqrt(variance + BatchNormKernels.Epsilon);
                    float keep = 1f - BatchNormKernels.Momentum;
                    runningStats[c] = keep * runningStats[c] + BatchNormKernels.Momentum * stats[c];
                    runningStats[channels + c] = keep * runningStats[channels + c] + BatchNormKernels.Momentum * unbiased;
                }
            }
        }
        else
        {
            for (int c = 0; c < channels; c++)
            {
                stats[c] = runningStats[c];
                stats[channels + c] = 1f / MathF.Sqrt(runningStats[channels + c] + BatchNormKernels.Epsilon);
            }
        }
        BatchNormRowJobs.Run(new BatchNormChannels.Rows(Pointer(y), null, stats, Pointer(gamma), Pointer(beta), null, Pointer(output),
            channels, activation), rows, MinRowsPerChunk(channels));
    }

    public void BatchNormBackward(DeviceSpan<float> dOutput, DeviceSpan<float> y, DeviceSpan<float> gamma, DeviceSpan<float> statistics,
        DeviceSpan<float> dGamma, DeviceSpan<float> dBeta, DeviceSpan<float> dy, int rows, int channels)
    {
        OpShapes.BatchNormBackward(this, dOutput, y, gamma, statistics, dGamma, dBeta, dy, rows, channels);
        if (rows == 0) return;
        int partials = BatchNormKernels.Blocks(rows) * channels;
        Grow(ref _batchNormPartialSums, partials);
        Grow(ref _batchNormWeightedSums, partials);
        Grow(ref _batchNormCoefficients, 3 * channels);
        float* stats = Pointer(statistics), g = Pointer(dOutput), gammaValues = Pointer(gamma), dg = Pointer(dGamma), db = Pointer(dBeta);
        fixed (double* partial = _batchNormPartialSums, weighted = _batchNormWeightedSums)
        fixed (float* coefficients = _batchNormCoefficients)
        {
            SumBlocks(Pointer(y), g, stats, partial, weighted, rows, channels, squaredDeviations: false);
            float count = rows;
            for (int c = 0; c < channels; c++)
            {
                db[c] = (float)BatchNormChannels.BlockSum(partial, rows, channels, c);
                dg[c] = (float)BatchNormChannels.BlockSum(weighted, rows, channels, c);
                // BatchNormKernels.BackwardInput's per-channel terms, with its operations.
                coefficients[c] = gammaValues[c] * stats[channels + c];
                coefficients[channels + c] = db[c] / count;
                coefficients[2 * channels + c] = dg[c] / count;
            }
            BatchNormRowJobs.Run(new BatchNormChannels.Rows(Pointer(y), g, stats, null, null, coefficients, Pointer(dy), channels,
                Activation.Identity), rows, MinRowsPerChunk(channels));
        }
    }

    private void SumBlocks(float* y, float* gradient, float* stats, double* partial, double* weighted, int rows, int channels,
        bool squaredDeviations) =>
        BatchNormPartialJobs.Run(new BatchNormChannels.Partials(y, gradient, stats, partial, weighted, rows, channels, squaredDeviations),
            BatchNormKernels.Blocks(rows), minChunk: Math.Max(1, 4096 / (BatchNormKernels.BlockRows * channels)));

    /// <summary>About 16 K elements per chunk: below that a fork-join costs more than it saves.</summary>
    private static int MinRowsPerChunk(int channels) => Math.Max(1, 16384 / channels);

    private static void Grow<T>(ref T[] scratch, int length)
    {
        if (scratch.Length < length) scratch = new T[length];
    }
}
