using System.Runtime.CompilerServices;
using ILGPU;

namespace VaeGpu.Kernels;

/// <summary>
/// A strided matrix operand: element (i, k) is view[i·RowStride + k·ColumnStride], so one GEMM core
/// serves X·Wᵀ, dY·W and dYᵀ·X without a transpose in memory.
/// </summary>
public struct Operand
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
}

/// <summary>
/// The tiled GEMM main loop that the linear and ELBO-output kernels share (explicitly grouped):
/// C[m × n] = A[m × k] · B[k × n] for the group's (4·ThreadsM) × (4·ThreadsN) block at
/// (Grid.IdxY, Grid.IdxX). A and B stream through shared memory in TileK slices; each element of C
/// sums k in order 0..k−1 with one <see cref="Fused.MultiplyAdd"/> per term, exactly as the CPU
/// accelerator's micro-kernels do, so the result depends neither on the tile sizes nor on the
/// compiler's contraction choices. Slices past k are zero-padded (fma(0, 0, c) = c).
/// Launch: group (ThreadsN, ThreadsM), grid (⌈n / TileN⌉, ⌈m / TileM⌉).
/// </summary>
public static class GemmCore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Accumulator4x4 Accumulate<TTile>(Operand a, Operand b, int m, int n, int k)
        where TTile : struct, IGemmTile
    {
        TTile tile = default;
        int threadsM = tile.ThreadsM, threadsN = tile.ThreadsN, tileK = tile.TileK;
        int tileM = 4 * threadsM, tileN = 4 * threadsN, threads = threadsM * threadsN;
        ArrayView<float> aTile = SharedMemory.Allocate<float>(4 * default(TTile).ThreadsM * default(TTile).TileK);
        ArrayView<float> bTile = SharedMemory.Allocate<float>(4 * default(TTile).ThreadsN * default(TTile).TileK);

        int tx = Group.IdxX, ty = Group.IdxY, tid = ty * threadsN + tx;
        int row0 = Grid.IdxY * tileM, col0 = Grid.IdxX * tileN;
        Accumulator4x4 acc = default;
        for (int k0 = 0; k0 < k; k0 += tileK)
        {
            // Neighbouring threads read neighbouring addresses, whichever way each operand is laid out.
            for (int e = tid; e < tileM * tileK; e += threads)
            {
                int kk = a.ColumnStride == 1 ? e % tileK : e / tileM;
                int mm = a.ColumnStride == 1 ? e / tileK : e % tileM;
                int row = row0 + mm, col = k0 + kk;
                aTile[kk * tileM + mm] = row < m && col < k ? a.View[row * a.RowStride + col * a.ColumnStride] : 0f;
            }
            for (int e = tid; e < tileN * tileK; e += threads)
            {
                int kk = b.ColumnStride == 1 ? e / tileN : e % tileK;
                int nn = b.ColumnStride == 1 ? e % tileN : e / tileK;
                int row = k0 + kk, col = col0 + nn;
                bTile[kk * tileN + nn] = row < k && col < n ? b.View[row * b.RowStride + col * b.ColumnStride] : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < tileK; kk++)
            {
                int aAt = kk * tileM + ty, bAt = kk * tileN + tx;
                acc.Add(
                    aTile[aAt], aTile[aAt + threadsM], aTile[aAt + 2 * threadsM], aTile[aAt + 3 * threadsM],
                    bTile[bAt], bTile[bAt + threadsN], bTile[bAt + 2 * threadsN], bTile[bAt + 3 * threadsN]);
            }
            Group.Barrier();
        }
        return acc;
    }

    /// <summary>The launch geometry for an m × n output.</summary>
    public static KernelConfig Config<TTile>(int m, int n) where TTile : struct, IGemmTile
    {
        TTile tile = default;
        int tileM = 4 * tile.ThreadsM, tileN = 4 * tile.ThreadsN;
        return new KernelConfig(
            new Index2D((n + tileN - 1) / tileN, (m + tileM - 1) / tileM),
            new Index2D(tile.ThreadsN, tile.ThreadsM));
    }

    /// <summary>Output row and column of element (i, j) of this thread's 4×4 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Row<TTile>(int i) where TTile : struct, IGemmTile =>
        Grid.IdxY * 4 * default(TTile).ThreadsM + Group.IdxY + i * default(TTile).ThreadsM;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Column<TTile>(int j) where TTile : struct, IGemmTile =>
        Grid.IdxX * 4 * default(TTile).ThreadsN + Group.IdxX + j * default(TTile).ThreadsN;
}
