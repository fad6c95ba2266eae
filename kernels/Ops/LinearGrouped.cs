using ILGPU;

namespace VaeGpu.Kernels;

/// <summary>
/// LinearBackward in ONE launch (step version 2): a "grouped GEMM" whose 1D grid of groups is cut into
/// the dW tiles, then the dX tiles, then the groups of db columns. A whole group takes one branch, so the
/// barriers of the shared GEMM loop stay legal. Each part runs the arithmetic of its op-by-op kernel
/// (<see cref="LinearKernels.BackwardWeights"/>, <see cref="LinearKernels.BackwardInput"/>,
/// <see cref="LinearKernels.ColumnSums"/>) through the same <see cref="GemmCore.AccumulateAt{TTile, TBlock, TA, TB}"/> loop and the
/// same epilogues (<see cref="LinearKernels.WeightGradient"/>, <see cref="LinearKernels.InputGradient"/>), so it gives the same bits; it saves two launches per layer (one for the first).
/// dW [out × in] and dX [rows × in] are both <c>in</c> wide, so one operand B layout (row stride in) serves
/// both: B is x for dW and w for dX; A is dy, transposed for dW. Only one main loop is inlined.
/// dxRows is 0 when no dX is wanted (then dx is a stand-in view that is never written).
/// Launch: <see cref="Config{TTile, TBlock}"/>.
/// </summary>
public static class LinearGroupedKernels
{
    public static void Backward<TTile, TBlock>(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> dw, ArrayView<float> db, ArrayView<float> dx,
        int rows, int inFeatures, int outFeatures, int inputActivation, int dxRows)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        int columnTiles = GemmCore.ColumnTiles<TTile, TBlock>(inFeatures);
        int weightTiles = WeightTiles<TTile, TBlock>(inFeatures, outFeatures);
        int gemmTiles = weightTiles + InputTiles<TTile, TBlock>(inFeatures, dxRows);
        int group = Grid.IdxX;
        if (group >= gemmTiles)
        {
            int threads = default(TTile).ThreadsM * default(TTile).ThreadsN;
            int column = (group - gemmTiles) * threads + Group.IdxY * default(TTile).ThreadsN + Group.IdxX;
            if (column < outFeatures) db[column] = LinearKernels.ColumnSum(dy, rows, outFeatures, column);
            return;
        }

        bool weights = group < weightTiles;
        int tile = weights ? group : group - weightTiles;
        int tileRow = tile / columnTiles, tileColumn = tile - tileRow * columnTiles;
        // dW: A(m = o, k = r) = dy[r·out + o], B(k = r, n = i) = x[r·in + i].
        // dX: A(m = r, k = o) = dy[r·out + o], B(k = o, n = i) = w[o·in + i].
        Operand a = weights ? new Operand(dy, 1, outFeatures) : new Operand(dy, outFeatures, 1);
        Operand b = new Operand(weights ? x : w, inFeatures, 1);
        int m = weights ? outFeatures : dxRows, k = weights ? rows : outFeatures;
        TBlock acc = GemmCore.AccumulateAt<TTile, TBlock, Operand>(a, b, m, inFeatures, k, tileRow, tileColumn);
        if (weights)
            GemmCore.Store<TTile, TBlock, LinearKernels.WeightGradient>(acc, new LinearKernels.WeightGradient(dw, inFeatures),
                m, inFeatures, tileRow, tileColumn);
        else
            GemmCore.Store<TTile, TBlock, LinearKernels.InputGradient>(acc,
                new LinearKernels.InputGradient(dx, x, inFeatures, inputActivation), m, inFeatures, tileRow, tileColumn);
    }

    /// <summary>Groups of the dW part (none when the layer has no inputs).</summary>
    public static int WeightTiles<TTile, TBlock>(int inFeatures, int outFeatures)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock =>
        inFeatures == 0 ? 0 : GemmCore.RowTiles<TTile, TBlock>(outFeatures) * GemmCore.ColumnTiles<TTile, TBlock>(inFeatures);

    /// <summary>Groups of the dX part (none when no dX is wanted: dxRows = 0).</summary>
    public static int InputTiles<TTile, TBlock>(int inFeatures, int dxRows)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock =>
        inFeatures == 0 ? 0 : GemmCore.RowTiles<TTile, TBlock>(dxRows) * GemmCore.ColumnTiles<TTile, TBlock>(inFeatures);

    /// <summary>The whole grid: dW tiles, dX tiles, then one thread per db column; groups of the GEMM tile's shape.</summary>
    public static KernelConfig Config<TTile, TBlock>(int inFeatures, int outFeatures, int dxRows)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        TTile tile = default;
        int threads = tile.ThreadsM * tile.ThreadsN;
        int groups = WeightTiles<TTile, TBlock>(inFeatures, outFeatures) + InputTiles<TTile, TBlock>(inFeatures, dxRows)
            + (outFeatures + threads - 1) / threads;
        return new KernelConfig(new Index2D(groups, 1), new Index2D(tile.ThreadsN, tile.ThreadsM));
    }
}
