using System.Runtime.CompilerServices;
using ILGPU;

namespace VaeGpu.Kernels;

/// <summary>
/// Where the GEMM main loop reads its A operand from, as a struct type argument (ILGPU inlines it):
/// a strided float matrix (<see cref="Operand"/>) or the batch gathered from the byte images
/// (<see cref="GatheredRows"/>, the fused first layer).
/// </summary>
public interface IMatrixSource
{
    /// <summary>Whether consecutive columns of a row are adjacent in memory: how the tile loads coalesce.</summary>
    bool RowMajor { get; }

    float Load(int row, int column);
}

/// <summary>
/// What a GEMM kernel does with each element of its thread's output block, as a struct type argument
/// (ILGPU inlines it): <see cref="GemmCore.Store{TTile, TBlock, TEpilogue}(TBlock, TEpilogue, int, int, int, int)"/>
/// is the one store loop of every GEMM kernel and calls it per element in range, so a kernel writes
/// only its arithmetic, and the bounds and the block's row/column mapping are written once.
/// </summary>
public interface IEpilogue
{
    /// <summary>
    /// Output element (<paramref name="row"/>, <paramref name="column"/>), in range, whose sum of products
    /// is <paramref name="dot"/>: writes what the kernel writes and returns the element's share of its
    /// row's sum (0 for an epilogue without row sums).
    /// </summary>
    double Store(int row, int column, float dot);

    /// <summary>
    /// After the elements of the block's row <paramref name="i"/> (in range or not): their
    /// <see cref="Store"/> returns summed in column order from 0. An epilogue without row sums does
    /// nothing here, and the sum is dead code that the compiler drops.
    /// </summary>
    void EndRow(int i, double sum);
}

/// <summary>
/// A strided matrix operand: element (i, k) is view[i·RowStride + k·ColumnStride], so one GEMM core
/// serves X·Wᵀ, dY·W and dYᵀ·X without a transpose in memory.
/// </summary>
public struct Operand : IMatrixSource
{
    public ArrayView<float> View;
    public int RowStride;
    public int ColumnStride;

    public Operand(ArrayView<float> view, int rowStride, int columnStride)
    {
        View = view;
        RowStride = rowStride;
        ColumnStride = columnStride;
    }

    public readonly bool RowMajor => ColumnStride == 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Load(int row, int column) => View[row * RowStride + column * ColumnStride];
}

/// <summary>
/// The tiled GEMM main loop that the linear and ELBO-output kernels share (explicitly grouped):
/// C[m × n] = A[m × k] · B[k × n] for the group's (S·ThreadsM) × (S·ThreadsN) block at
/// (Grid.IdxY, Grid.IdxX) (or at the tile coordinates a grouped launch gives <see cref="AccumulateAt{TTile, TBlock, TA, TB}"/>),
/// S the register block's size (4 in version 1, 8 in version 2). A and B
/// stream through shared memory in TileK slices; each element of C sums k in order 0..k−1 with one
/// <see cref="Fused.MultiplyAdd"/> per term, exactly as the CPU accelerator's micro-kernels do, so the
/// result depends neither on the tile, nor on the block size, nor on the compiler's contraction
/// choices. Slices past k are zero-padded (fma(0, 0, c) = c).
/// Launch: group (ThreadsN, ThreadsM), grid (⌈n / (S·ThreadsN)⌉, ⌈m / (S·ThreadsM)⌉).
/// </summary>
public static class GemmCore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TBlock Accumulate<TTile, TBlock>(Operand a, Operand b, int m, int n, int k)
        where TTile : struct, IGemmTile
        where TBlock : struct, IRegisterBlock =>
        AccumulateAt<TTile, TBlock, Operand>(a, b, m, n, k, Grid.IdxY, Grid.IdxX);

    /// <summary>
    /// The main loop for the output tile at (<paramref name="tileRow"/>, <paramref name="tileColumn"/>):
    /// what a grouped launch (several GEMMs partitioned over one 1D grid) calls, so that it shares this
    /// loop, and so its bits, with the one-GEMM kernels. Every thread of a group must take the same path here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TBlock AccumulateAt<TTile, TBlock, TA>(TA a, Operand b, int m, int n, int k, int tileRow, int tileColumn)
        where TTile : struct, IGemmTile
        where TBlock : struct, IRegisterBlock
        where TA : struct, IMatrixSource =>
        AccumulateAt<TTile, TBlock, TA, Operand>(a, b, m, n, k, tileRow, tileColumn);

    /// <summary>
    /// The main loop with both operands read through sources: what the implicit-GEMM convolutions call, whose
    /// B is an im2col view (backward weights) or the weights regrouped by input channel (backward data).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TBlock AccumulateAt<TTile, TBlock, TA, TB>(TA a, TB b, int m, int n, int k, int tileRow, int tileColumn)
        where TTile : struct, IGemmTile
        where TBlock : struct, IRegisterBlock
        where TA : struct, IMatrixSource
        where TB : struct, IMatrixSource
    {
        TTile tile = default;
        TBlock acc = default;
        int size = acc.Size;
        int threadsM = tile.ThreadsM, threadsN = tile.ThreadsN, tileK = tile.TileK;
        int tileM = size * threadsM, tileN = size * threadsN, threads = threadsM * threadsN;
        ArrayView<float> aTile = SharedMemory.Allocate<float>(default(TBlock).Size * default(TTile).ThreadsM * default(TTile).TileK);
        ArrayView<float> bTile = SharedMemory.Allocate<float>(default(TBlock).Size * default(TTile).ThreadsN * default(TTile).TileK);

        int tx = Group.IdxX, ty = Group.IdxY, tid = ty * threadsN + tx;
        int row0 = tileRow * tileM, col0 = tileColumn * tileN;
        for (int k0 = 0; k0 < k; k0 += tileK)
        {
            // Neighbouring threads read neighbouring addresses, whichever way each operand is laid out.
            for (int e = tid; e < tileM * tileK; e += threads)
            {
                int kk = a.RowMajor ? e % tileK : e / tileM;
                int mm = a.RowMajor ? e / tileK : e % tileM;
                int row = row0 + mm, col = k0 + kk;
                aTile[kk * tileM + mm] = row < m && col < k ? a.Load(row, col) : 0f;
            }
            for (int e = tid; e < tileN * tileK; e += threads)
            {
                int kk = b.RowMajor ? e / tileN : e % tileK;
                int nn = b.RowMajor ? e % tileN : e / tileK;
                int row = k0 + kk, col = col0 + nn;
                bTile[kk * tileN + nn] = row < k && col < n ? b.Load(row, col) : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < tileK; kk++)
                acc.Accumulate(aTile, kk * tileM + ty, threadsM, bTile, kk * tileN + tx, threadsN);
            Group.Barrier();
        }
        return acc;
    }

    /// <summary>The store loop for this group's tile at (Grid.IdxY, Grid.IdxX): see the overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<TTile, TBlock, TEpilogue>(TBlock acc, TEpilogue epilogue, int m, int n)
        where TTile : struct, IGemmTile
        where TBlock : struct, IRegisterBlock
        where TEpilogue : struct, IEpilogue =>
        Store<TTile, TBlock, TEpilogue>(acc, epilogue, m, n, Grid.IdxY, Grid.IdxX);

    /// <summary>
    /// The one store loop of the GEMM kernels: hands each element of this thread's block that lies inside
    /// the m × n output (the tile at <paramref name="tileRow"/>, <paramref name="tileColumn"/>) to the
    /// epilogue, block row by block row, columns in order, and ends each block row with the sum of what
    /// the epilogue returned for it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<TTile, TBlock, TEpilogue>(TBlock acc, TEpilogue epilogue, int m, int n, int tileRow, int tileColumn)
        where TTile : struct, IGemmTile
        where TBlock : struct, IRegisterBlock
        where TEpilogue : struct, IEpilogue
    {
        for (int i = 0; i < acc.Size; i++)
        {
            int row = RowAt<TTile, TBlock>(tileRow, i);
            double sum = 0;
            for (int j = 0; j < acc.Size; j++)
            {
                int col = ColumnAt<TTile, TBlock>(tileColumn, j);
                if (row < m && col < n) sum += epilogue.Store(row, col, acc.Get(i, j));
            }
            epilogue.EndRow(i, sum);
        }
    }

    /// <summary>The launch geometry for an m × n output.</summary>
    public static KernelConfig Config<TTile, TBlock>(int m, int n)
        where TTile : struct, IGemmTile
        where TBlock : struct, IRegisterBlock
    {
        TTile tile = default;
        int tileM = default(TBlock).Size * tile.ThreadsM, tileN = default(TBlock).Size * tile.ThreadsN;
        return new KernelConfig(
            new Index2D((n + tileN - 1) / tileN, (m + tileM - 1) / tileM),
            new Index2D(tile.ThreadsN, tile.ThreadsM));
    }

    /// <summary>Output row of element (i, ·) of this thread's block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Row<TTile, TBlock>(int i) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock =>
        RowAt<TTile, TBlock>(Grid.IdxY, i);

    /// <summary>Output row of element (i, ·) of this thread's block in the tile row <paramref name="tileRow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RowAt<TTile, TBlock>(int tileRow, int i) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock =>
        tileRow * default(TBlock).Size * default(TTile).ThreadsM + Group.IdxY + i * default(TTile).ThreadsM;

    /// <summary>Output column of element (·, j) of this thread's block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Column<TTile, TBlock>(int j) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock =>
        ColumnAt<TTile, TBlock>(Grid.IdxX, j);

    /// <summary>Output column of element (·, j) of this thread's block in the tile column <paramref name="tileColumn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ColumnAt<TTile, TBlock>(int tileColumn, int j) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock =>
        tileColumn * default(TBlock).Size * default(TTile).ThreadsN + Group.IdxX + j * default(TTile).ThreadsN;

    /// <summary>Row tiles of an output <paramref name="m"/> high.</summary>
    public static int RowTiles<TTile, TBlock>(int m) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock =>
        (m + default(TBlock).Size * default(TTile).ThreadsM - 1) / (default(TBlock).Size * default(TTile).ThreadsM);

    /// <summary>Column tiles of an output <paramref name="n"/> wide.</summary>
    public static int ColumnTiles<TTile, TBlock>(int n) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock =>
        (n + default(TBlock).Size * default(TTile).ThreadsN - 1) / (default(TBlock).Size * default(TTile).ThreadsN);
}
