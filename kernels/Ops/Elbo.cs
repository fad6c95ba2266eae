using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// The decoder's output layer fused with the reconstruction loss; the register block type argument is
/// the version (<see cref="Block4x4"/> = 1, <see cref="Block8x8"/> = 2; same bits).
/// Output   logits = h[rows × hidden] · wᵀ + b (w is [out × hidden]) stay in registers; for each
///          element the NLL of the target and, when dLogits is not empty, dLogits = gradScale · ∂NLL/∂logit
///          are computed in the GEMM's epilogue. Each group writes, per row, the double sum of its
///          columns' NLL to partial[row · columnTiles + tile] (threads in column order, each thread's
///          block columns in order): logits are never stored.
/// RowSums  nll[row] = Σ_t partial[row · columnTiles + t], tiles in order: a fixed-order reduction, no atomics.
/// LogSigmaGradient  for a Gaussian with σ learned per feature: dLogSigma[j] = Σ_rows of
///          PixelLoss.LogSigmaGradient (from dLogits), one thread per feature, rows in order.
/// CPU twin: VaeGpu.Accelerators.Cpu.ElboEpilogue (the same per-element math, PixelLoss).
/// </summary>
public static class ElboKernels
{
    public static void Output<TTile, TBlock>(ArrayView<float> h, ArrayView<float> w, ArrayView<float> b, ArrayView<float> target,
        ArrayView<double> partial, ArrayView<float> dLogits, int rows, int hidden, int outFeatures,
        int likelihood, float sigma, ArrayView<float> logSigma, float gradScale)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        TBlock acc = GemmCore.Accumulate<TTile, TBlock>(
            new Operand(h, hidden, 1), new Operand(w, 1, hidden), rows, outFeatures, hidden);
        StoreLoss<TTile, TBlock>(acc, b, target, partial, dLogits, rows, outFeatures, likelihood, sigma, logSigma, gradScale);
    }

    /// <summary>
    /// The loss store of a GEMM whose rows are scored: each element's NLL (and dLogits) through
    /// <see cref="LossEpilogue"/>, then per row the double sum of this group's columns into
    /// partial[row · columnTiles + tile]. Output's, and the transposed convolution's (ConvKernels.TransposeLoss).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void StoreLoss<TTile, TBlock>(TBlock acc, ArrayView<float> b, ArrayView<float> target, ArrayView<double> partial,
        ArrayView<float> dLogits, int rows, int outFeatures, int likelihood, float sigma, ArrayView<float> logSigma, float gradScale)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        ArrayView<double> rowParts = SharedMemory.Allocate<double>(default(TBlock).Size * default(TTile).ThreadsM * default(TTile).ThreadsN);
        int threadsM = default(TTile).ThreadsM, threadsN = default(TTile).ThreadsN;
        int tx = Group.IdxX, ty = Group.IdxY;
        GemmCore.Store<TTile, TBlock, LossEpilogue>(acc,
            new LossEpilogue(b, target, dLogits, outFeatures, likelihood, sigma, logSigma, gradScale, rowParts, threadsM, threadsN),
            rows, outFeatures);
        Group.Barrier();
        if (tx != 0) return;
        int columnTiles = Grid.DimX;
        for (int i = 0; i < acc.Size; i++)
        {
            int localRow = ty + i * threadsM;
            int row = GemmCore.Row<TTile, TBlock>(i);
            if (row >= rows) continue;
            double sum = 0;
            for (int t = 0; t < threadsN; t++) sum += rowParts[localRow * threadsN + t];
            partial[row * columnTiles + Grid.IdxX] = sum;
        }
    }

    /// <summary>
    /// Output's epilogue: the NLL of each element's target under its logit (dot + b), and dLogits =
    /// gradScale · ∂NLL/∂logit unless dLogits is empty (no gradient is asked for, as no dx is for
    /// LinearBackward); each block row's NLL sum goes to its thread's slot of the group's row parts.
    /// </summary>
    public readonly struct LossEpilogue(ArrayView<float> b, ArrayView<float> target, ArrayView<float> dLogits, int outFeatures,
        int likelihood, float sigma, ArrayView<float> logSigma, float gradScale, ArrayView<double> rowParts, int threadsM, int threadsN)
        : IEpilogue
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public double Store(int row, int column, float dot)
        {
            int at = row * outFeatures + column;
            float columnLogSigma = likelihood == PixelLoss.GaussianLearned ? logSigma[column] : 0f;
            LossTerm term = PixelLoss.Nll(likelihood, sigma, columnLogSigma, dot + b[column], target[at]);
            if (dLogits.Length > 0) dLogits[at] = gradScale * term.Gradient;
            return term.Nll;
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public void EndRow(int i, double sum) => rowParts[(Group.IdxY + i * threadsM) * threadsN + Group.IdxX] = sum;
    }

    public static void LogSigmaGradient(Index1D column, ArrayView<float> dLogits, ArrayView<float> logSigma,
        ArrayView<float> dLogSigma, int rows, int columns, float gradScale)
    {
        float logSigmaValue = logSigma[column];
        float sum = 0f;
        for (int r = 0; r < rows; r++) sum += PixelLoss.LogSigmaGradient(dLogits[r * columns + column], gradScale, logSigmaValue);
        dLogSigma[column] = sum;
    }

    public static void RowSums(Index1D row, ArrayView<double> partial, int columnTiles, ArrayView<float> nll)
    {
        double sum = 0;
        for (int t = 0; t < columnTiles; t++) sum += partial[row * columnTiles + t];
        nll[row] = (float)sum;
    }

}

/// <summary>The ELBO-output kernels of one version, loaded for one accelerator.</summary>
public interface IElboLauncher
{
    /// <summary>Doubles of scratch that <see cref="Output"/> needs for <paramref name="rows"/> × <paramref name="outFeatures"/>.</summary>
    int PartialLength(int rows, int outFeatures);

    /// <param name="dLogits">Where the gradient goes; an empty view (default) when none is wanted.</param>
    /// <param name="logSigma">Per-feature logσ for <see cref="PixelLoss.GaussianLearned"/>; an empty view otherwise.</param>
    void Output(AcceleratorStream stream, ArrayView<float> h, ArrayView<float> w, ArrayView<float> b, ArrayView<float> target,
        ArrayView<double> partial, ArrayView<float> dLogits, ArrayView<float> nll, int rows, int hidden, int outFeatures,
        int likelihood, float sigma, ArrayView<float> logSigma, float gradScale);

    void LogSigmaGradient(AcceleratorStream stream, ArrayView<float> dLogits, ArrayView<float> logSigma, ArrayView<float> dLogSigma,
        int rows, int columns, float gradScale);
}

/// <summary>Loads the ELBO-output kernels once per accelerator and launches them on a stream.</summary>
public sealed class ElboLauncher<TTile, TBlock> : IElboLauncher where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<double>, ArrayView<float>, int, int, int, int, float, ArrayView<float>, float> _output;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> _logSigmaGradient;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<double>, int, ArrayView<float>> _rowSums;

    private readonly LaunchCounter _launches;

    public ElboLauncher(Accelerator accelerator, LaunchCounter launches)
    {
        _launches = launches;
        _output = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<double>, ArrayView<float>, int, int, int, int, float, ArrayView<float>, float>(ElboKernels.Output<TTile, TBlock>);
        _logSigmaGradient = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(
            ElboKernels.LogSigmaGradient);
        _rowSums = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<double>, int, ArrayView<float>>(ElboKernels.RowSums);
    }

    public int PartialLength(int rows, int outFeatures) => rows * GemmCore.ColumnTiles<TTile, TBlock>(outFeatures);

    public void Output(AcceleratorStream stream, ArrayView<float> h, ArrayView<float> w, ArrayView<float> b, ArrayView<float> target,
        ArrayView<double> partial, ArrayView<float> dLogits, ArrayView<float> nll, int rows, int hidden, int outFeatures,
        int likelihood, float sigma, ArrayView<float> logSigma, float gradScale)
    {
        if (rows == 0) return;
        int columnTiles = GemmCore.ColumnTiles<TTile, TBlock>(outFeatures);
        if (columnTiles > 0)
        {
            _launches.Add();
            _output(stream, GemmCore.Config<TTile, TBlock>(rows, outFeatures), h, w, b, target, partial, dLogits,
                rows, hidden, outFeatures, likelihood, sigma, logSigma, gradScale);
        }
        _launches.Add();
        _rowSums(stream, rows, partial, columnTiles, nll);
    }

    public void LogSigmaGradient(AcceleratorStream stream, ArrayView<float> dLogits, ArrayView<float> logSigma, ArrayView<float> dLogSigma,
        int rows, int columns, float gradScale)
    {
        if (columns == 0) return;
        _launches.Add();
        _logSigmaGradient(stream, columns, dLogits, logSigma, dLogSigma, rows, columns, gradScale);
    }
}
