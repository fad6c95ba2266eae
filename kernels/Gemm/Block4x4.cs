using System.Runtime.CompilerServices;
using ILGPU;

namespace VaeGpu.Kernels;

/// <summary>
/// One thread's 4×4 block of a GEMM's output: version 1 of the linear and ELBO-output kernels.
/// Sixteen or sixty-four scalar fields, so that the block lives in registers: ILGPU puts arrays
/// (LocalMemory) in slow local memory on CUDA. Row i of the block is output row row0 + ty + i·ThreadsM,
/// column j is col0 + tx + j·ThreadsN. Written out by hand like the other block size: change both together.
/// </summary>
public struct Block4x4 : IRegisterBlock
{
    public float C00, C01, C02, C03, C10, C11, C12, C13, C20, C21, C22, C23, C30, C31, C32, C33;

    public readonly int Size => 4;

    /// <summary>One k term: C[i, j] = fma(a_i, b_j, C[i, j]), a_i = aTile[aAt + i·aStride], b_j = bTile[bAt + j·bStride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Accumulate(ArrayView<float> aTile, int aAt, int aStride, ArrayView<float> bTile, int bAt, int bStride)
    {
        float a0 = aTile[aAt + 0 * aStride];
        float a1 = aTile[aAt + 1 * aStride];
        float a2 = aTile[aAt + 2 * aStride];
        float a3 = aTile[aAt + 3 * aStride];
        float b0 = bTile[bAt + 0 * bStride];
        float b1 = bTile[bAt + 1 * bStride];
        float b2 = bTile[bAt + 2 * bStride];
        float b3 = bTile[bAt + 3 * bStride];
        C00 = Fused.MultiplyAdd(a0, b0, C00);
        C01 = Fused.MultiplyAdd(a0, b1, C01);
        C02 = Fused.MultiplyAdd(a0, b2, C02);
        C03 = Fused.MultiplyAdd(a0, b3, C03);
        C10 = Fused.MultiplyAdd(a1, b0, C10);
        C11 = Fused.MultiplyAdd(a1, b1, C11);
        C12 = Fused.MultiplyAdd(a1, b2, C12);
        C13 = Fused.MultiplyAdd(a1, b3, C13);
        C20 = Fused.MultiplyAdd(a2, b0, C20);
        C21 = Fused.MultiplyAdd(a2, b1, C21);
        C22 = Fused.MultiplyAdd(a2, b2, C22);
        C23 = Fused.MultiplyAdd(a2, b3, C23);
        C30 = Fused.MultiplyAdd(a3, b0, C30);
        C31 = Fused.MultiplyAdd(a3, b1, C31);
        C32 = Fused.MultiplyAdd(a3, b2, C32);
        C33 = Fused.MultiplyAdd(a3, b3, C33);
    }

    /// <summary>C[i, j] for the epilogue (runs once per element, after the main loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Get(int i, int j)
    {
        if (i == 0) return j == 0 ? C00 : j == 1 ? C01 : j == 2 ? C02 : C03;
        if (i == 1) return j == 0 ? C10 : j == 1 ? C11 : j == 2 ? C12 : C13;
        if (i == 2) return j == 0 ? C20 : j == 1 ? C21 : j == 2 ? C22 : C23;
        return j == 0 ? C30 : j == 1 ? C31 : j == 2 ? C32 : C33;
    }
}
