using ILGPU;

namespace VaeGpu.Kernels;

/// <summary>
/// The batch gather fused into the first encoder layer (step version 2): y = act(X·wᵀ + b) where X is
/// the batch at the device cursor, read from the byte images through <see cref="GatheredRows"/> straight
/// into the GEMM's A tiles (the same conversion as GatherBatch, the same <see cref="GemmCore"/> main loop
/// and <see cref="LinearKernels.BiasActivation"/> epilogue as LinearForward: the same bits).
/// The groups of column tile 0 also write their rows of X to <c>input</c>, which the ELBO's target and
/// the first layer's backward read. Launch: as LinearForward (needs outFeatures ≥ 1).
/// </summary>
public static class GatherLinearKernels
{
    public static void Forward<TTile, TBlock>(ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor, int batchSize,
        ArrayView<float> input, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        var x = new GatheredRows(images, order, cursor, batchSize, (int)(images.Length / inFeatures), inFeatures);
        TBlock acc = GemmCore.AccumulateAt<TTile, TBlock, GatheredRows>(
            x, new Operand(w, 1, inFeatures), rows, outFeatures, inFeatures, Grid.IdxY, Grid.IdxX);
        GemmCore.Store<TTile, TBlock, LinearKernels.BiasActivation>(acc, new LinearKernels.BiasActivation(b, y, outFeatures, activation),
            rows, outFeatures);
        if (Grid.IdxX != 0) return;
        int tileM = default(TBlock).Size * default(TTile).ThreadsM, threads = default(TTile).ThreadsM * default(TTile).ThreadsN;
        int row0 = Grid.IdxY * tileM;
        for (int e = Group.IdxY * default(TTile).ThreadsN + Group.IdxX; e < tileM * inFeatures; e += threads)
        {
            int local = e / inFeatures, column = e - local * inFeatures, row = row0 + local;
            if (row < rows) input[row * inFeatures + column] = x.Load(row, column);
        }
    }
}
