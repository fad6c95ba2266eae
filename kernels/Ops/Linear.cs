using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// The fully connected layer, forward and backward, as explicitly grouped GEMM kernels over
/// <see cref="GemmCore"/> with their epilogues fused (struct <see cref="IEpilogue"/>s, stored by GemmCore's one loop). The register block type argument is the
/// version: <see cref="Block4x4"/> = version 1, <see cref="Block8x8"/> = version 2 (same bits).
/// Forward         y[rows × out] = act(x[rows × in] · wᵀ + b)      w is [out × in]
/// BackwardWeights dw[out × in] = dyᵀ · x                          rows summed in order
/// BackwardInput   dx[rows × in] = (dy · w) ⊙ act'(x)              act' of the layer below, from its output x
/// ColumnSums      db[out] = Σ_rows dy                              one thread per column, rows in order
/// CPU twin: VaeGpu.Accelerators.Cpu.CpuAccelerator.LinearForward / LinearBackward.
/// </summary>
public static class LinearKernels
{
    public static void Forward<TTile, TBlock>(ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        // A = x (row-major), B(k = i, n = o) = w[o·in + i].
        TBlock acc = GemmCore.Accumulate<TTile, TBlock>(
            new Operand(x, inFeatures, 1), new Operand(w, 1, inFeatures), rows, outFeatures, inFeatures);
        GemmCore.Store<TTile, TBlock, BiasActivation>(acc, new BiasActivation(b, y, outFeatures, activation), rows, outFeatures);
    }

    public static void BackwardWeights<TTile, TBlock>(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dw,
        int rows, int inFeatures, int outFeatures) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        // A(m = o, k = r) = dy[r·out + o], B(k = r, n = i) = x[r·in + i].
        TBlock acc = GemmCore.Accumulate<TTile, TBlock>(
            new Operand(dy, 1, outFeatures), new Operand(x, inFeatures, 1), outFeatures, inFeatures, rows);
        GemmCore.Store<TTile, TBlock, WeightGradient>(acc, new WeightGradient(dw, inFeatures), outFeatures, inFeatures);
    }

    public static void BackwardInput<TTile, TBlock>(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> x, ArrayView<float> dx,
        int rows, int inFeatures, int outFeatures, int inputActivation) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        // A = dy (row-major), B(k = o, n = i) = w[o·in + i].
        TBlock acc = GemmCore.Accumulate<TTile, TBlock>(
            new Operand(dy, outFeatures, 1), new Operand(w, inFeatures, 1), rows, inFeatures, outFeatures);
        GemmCore.Store<TTile, TBlock, InputGradient>(acc, new InputGradient(dx, x, inFeatures, inputActivation), rows, inFeatures);
    }

    /// <summary>Forward's epilogue, y = act(dot + b) (the fused gather layer shares it).</summary>
    public readonly struct BiasActivation(ArrayView<float> b, ArrayView<float> y, int outFeatures, int activation) : IEpilogue
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public double Store(int row, int column, float dot)
        {
            y[row * outFeatures + column] = Activations.Apply(activation, dot + b[column]);
            return 0;
        }

        public void EndRow(int i, double sum) { }
    }

    /// <summary>BackwardWeights' epilogue, dw = dot (the grouped backward shares it).</summary>
    public readonly struct WeightGradient(ArrayView<float> dw, int inFeatures) : IEpilogue
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public double Store(int row, int column, float dot)
        {
            dw[row * inFeatures + column] = dot;
            return 0;
        }

        public void EndRow(int i, double sum) { }
    }

    /// <summary>BackwardInput's epilogue, dx = dot · act'(x), act' from the layer below's output x (the grouped backward shares it).</summary>
    public readonly struct InputGradient(ArrayView<float> dx, ArrayView<float> x, int inFeatures, int inputActivation) : IEpilogue
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public double Store(int row, int column, float dot)
        {
            int at = row * inFeatures + column;
            dx[at] = dot * Activations.DerivativeFromOutput(inputActivation, x[at]);
            return 0;
        }

        public void EndRow(int i, double sum) { }
    }

    public static void ColumnSums(Index1D column, ArrayView<float> dy, ArrayView<float> db, int rows, int columns) =>
        db[column] = ColumnSum(dy, rows, columns, column);

    /// <summary>Σ_rows dy[r, column], rows in order, in float from 0 (ColumnSums and the grouped backward share it).</summary>
    public static float ColumnSum(ArrayView<float> dy, int rows, int columns, int column)
    {
        float sum = 0f;
        for (int r = 0; r < rows; r++) sum += dy[r * columns + column];
        return sum;
    }
}

/// <summary>The linear kernels of one version, loaded for one accelerator.</summary>
public interface ILinearLauncher
{
    void Forward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation);

    void Backward(AcceleratorStream stream, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> dw, ArrayView<float> db, ArrayView<float> dx, bool wantsDx,
        int rows, int inFeatures, int outFeatures, int inputActivation);

    /// <summary>Step version 2 only: the batch at the cursor into input and through the first layer, in one launch.</summary>
    void GatherForward(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor, int batchSize,
        ArrayView<float> input, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation);
}

/// <summary>Loads the linear kernels once per accelerator and launches them on a stream.</summary>
public sealed class LinearLauncher<TTile, TBlock> : ILinearLauncher where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _forward;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _backwardWeights;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _backwardInput;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int> _columnSums;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, int, int, int, int, int>? _grouped;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<byte>, ArrayView<int>, ArrayView<uint>, int, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _gatherForward;

    private readonly LaunchCounter _launches;

    /// <param name="fused">Step version 2: LinearBackward as one grouped launch (<see cref="LinearGroupedKernels"/>), and the
    /// gather fused into the first layer (<see cref="GatherLinearKernels"/>).</param>
    public LinearLauncher(Accelerator accelerator, LaunchCounter launches, bool fused = false)
    {
        _launches = launches;
        if (fused)
        {
            _grouped = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<float>, int, int, int, int, int>(LinearGroupedKernels.Backward<TTile, TBlock>);
            _gatherForward = accelerator.LoadKernel<ArrayView<byte>, ArrayView<int>, ArrayView<uint>, int, ArrayView<float>,
                ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(GatherLinearKernels.Forward<TTile, TBlock>);
        }
        _forward = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(
            LinearKernels.Forward<TTile, TBlock>);
        _backwardWeights = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(
            LinearKernels.BackwardWeights<TTile, TBlock>);
        _backwardInput = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(
            LinearKernels.BackwardInput<TTile, TBlock>);
        _columnSums = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(LinearKernels.ColumnSums);
    }

    public void Forward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation)
    {
        if (rows == 0 || outFeatures == 0) return;
        _launches.Add();
        _forward(stream, GemmCore.Config<TTile, TBlock>(rows, outFeatures), x, w, b, y, rows, inFeatures, outFeatures, activation);
    }

    public void GatherForward(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor, int batchSize,
        ArrayView<float> input, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation)
    {
        if (_gatherForward is null) throw new InvalidOperationException("the fused gather + first layer is loaded at step version 2 only");
        _launches.Add();
        _gatherForward(stream, GemmCore.Config<TTile, TBlock>(rows, outFeatures), images, order, cursor, batchSize, input, w, b, y,
            rows, inFeatures, outFeatures, activation);
    }

    /// <summary>dw and db; dx too unless it is empty (the first layer needs none).</summary>
    public void Backward(AcceleratorStream stream, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> dw, ArrayView<float> db, ArrayView<float> dx, bool wantsDx,
        int rows, int inFeatures, int outFeatures, int inputActivation)
    {
        if (outFeatures == 0) return;
        if (_grouped is not null)
        {
            int dxRows = wantsDx && inFeatures > 0 ? rows : 0;
            _launches.Add();
            // Without dX the kernel never writes dx; it still needs a view: dy stands in.
            _grouped(stream, LinearGroupedKernels.Config<TTile, TBlock>(inFeatures, outFeatures, dxRows),
                dy, x, w, dw, db, dxRows > 0 ? dx : dy, rows, inFeatures, outFeatures, inputActivation, dxRows);
            return;
        }
        if (inFeatures > 0)
        {
            _launches.Add();
            _backwardWeights(stream, GemmCore.Config<TTile, TBlock>(outFeatures, inFeatures), dy, x, dw, rows, inFeatures, outFeatures);
        }
        _launches.Add();
        _columnSums(stream, outFeatures, dy, db, rows, outFeatures);
        if (!wantsDx || rows == 0 || inFeatures == 0) return;
        _launches.Add();
        _backwardInput(stream, GemmCore.Config<TTile, TBlock>(rows, inFeatures), dy, w, x, dx, rows, inFeatures, outFeatures, inputActivation);
    }
}
