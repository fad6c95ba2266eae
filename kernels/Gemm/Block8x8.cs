using System.Runtime.CompilerServices;
using ILGPU;

namespace VaeGpu.Kernels;

/// <summary>
/// One thread's 8×8 block of a GEMM's output: version 2 of the linear and ELBO-output kernels (four times the
/// FMAs per shared-memory load of version 1).
/// Sixteen or sixty-four scalar fields, so that the block lives in registers: ILGPU puts arrays
/// (LocalMemory) in slow local memory on CUDA. Row i of the block is output row row0 + ty + i·ThreadsM,
/// column j is col0 + tx + j·ThreadsN. Written out by hand like the other block size: change both together.
/// </summary>
public struct Block8x8 : IRegisterBlock
{
    public float C00, C01, C02, C03, C04, C05, C06, C07, C10, C11, C12, C13, C14, C15, C16, C17, C20, C21, C22, C23, C24, C25, C26, C27, C30, C31, C32, C33, C34, C35, C36, C37, C40, C41, C42, C43, C44, C45, C46, C47, C50, C51, C52, C53, C54, C55, C56, C57, C60, C61, C62, C63, C64, C65, C66, C67, C70, C71, C72, C73, C74, C75, C76, C77;

    public readonly int Size => 8;

    /// <summary>One k term: C[i, j] = fma(a_i, b_j, C[i, j]), a_i = aTile[aAt + i·aStride], b_j = bTile[bAt + j·bStride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Accumulate(ArrayView<float> aTile, int aAt, int aStride, ArrayView<float> bTile, int bAt, int bStride)
    {
        float a0 = aTile[aAt + 0 * aStride];
        float a1 = aTile[aAt + 1 * aStride];
        float a2 = aTile[aAt + 2 * aStride];
        float a3 = aTile[aAt + 3 * aStride];
        float a4 = aTile[aAt + 4 * aStride];
        float a5 = aTile[aAt + 5 * aStride];
        float a6 = aTile[aAt + 6 * aStride];
        float a7 = aTile[aAt + 7 * aStride];
        float b0 = bTile[bAt + 0 * bStride];
        float b1 = bTile[bAt + 1 * bStride];
        float b2 = bTile[bAt + 2 * bStride];
        float b3 = bTile[bAt + 3 * bStride];
        float b4 = bTile[bAt + 4 * bStride];
        float b5 = bTile[bAt + 5 * bStride];
        float b6 = bTile[bAt + 6 * bStride];
        float b7 = bTile[bAt + 7 * bStride];
        C00 = Fused.MultiplyAdd(a0, b0, C00);
        C01 = Fused.MultiplyAdd(a0, b1, C01);
        C02 = Fused.MultiplyAdd(a0, b2, C02);
        C03 = Fused.MultiplyAdd(a0, b3, C03);
        C04 = Fused.MultiplyAdd(a0, b4, C04);
        C05 = Fused.MultiplyAdd(a0, b5, C05);
        C06 = Fused.MultiplyAdd(a0, b6, C06);
        C07 = Fused.MultiplyAdd(a0, b7, C07);
        C10 = Fused.MultiplyAdd(a1, b0, C10);
        C11 = Fused.MultiplyAdd(a1, b1, C11);
        C12 = Fused.MultiplyAdd(a1, b2, C12);
        C13 = Fused.MultiplyAdd(a1, b3, C13);
        C14 = Fused.MultiplyAdd(a1, b4, C14);
        C15 = Fused.MultiplyAdd(a1, b5, C15);
        C16 = Fused.MultiplyAdd(a1, b6, C16);
        C17 = Fused.MultiplyAdd(a1, b7, C17);
        C20 = Fused.MultiplyAdd(a2, b0, C20);
        C21 = Fused.MultiplyAdd(a2, b1, C21);
        C22 = Fused.MultiplyAdd(a2, b2, C22);
        C23 = Fused.MultiplyAdd(a2, b3, C23);
        C24 = Fused.MultiplyAdd(a2, b4, C24);
        C25 = Fused.MultiplyAdd(a2, b5, C25);
        C26 = Fused.MultiplyAdd(a2, b6, C26);
        C27 = Fused.MultiplyAdd(a2, b7, C27);
        C30 = Fused.MultiplyAdd(a3, b0, C30);
        C31 = Fused.MultiplyAdd(a3, b1, C31);
        C32 = Fused.MultiplyAdd(a3, b2, C32);
        C33 = Fused.MultiplyAdd(a3, b3, C33);
        C34 = Fused.MultiplyAdd(a3, b4, C34);
        C35 = Fused.MultiplyAdd(a3, b5, C35);
        C36 = Fused.MultiplyAdd(a3, b6, C36);
        C37 = Fused.MultiplyAdd(a3, b7, C37);
        C40 = Fused.MultiplyAdd(a4, b0, C40);
        C41 = Fused.MultiplyAdd(a4, b1, C41);
        C42 = Fused.MultiplyAdd(a4, b2, C42);
        C43 = Fused.MultiplyAdd(a4, b3, C43);
        C44 = Fused.MultiplyAdd(a4, b4, C44);
        C45 = Fused.MultiplyAdd(a4, b5, C45);
        C46 = Fused.MultiplyAdd(a4, b6, C46);
        C47 = Fused.MultiplyAdd(a4, b7, C47);
        C50 = Fused.MultiplyAdd(a5, b0, C50);
        C51 = Fused.MultiplyAdd(a5, b1, C51);
        C52 = Fused.MultiplyAdd(a5, b2, C52);
        C53 = Fused.MultiplyAdd(a5, b3, C53);
        C54 = Fused.MultiplyAdd(a5, b4, C54);
        C55 = Fused.MultiplyAdd(a5, b5, C55);
        C56 = Fused.MultiplyAdd(a5, b6, C56);
        C57 = Fused.MultiplyAdd(a5, b7, C57);
        C60 = Fused.MultiplyAdd(a6, b0, C60);
        C61 = Fused.MultiplyAdd(a6, b1, C61);
        C62 = Fused.MultiplyAdd(a6, b2, C62);
        C63 = Fused.MultiplyAdd(a6, b3, C63);
        C64 = Fused.MultiplyAdd(a6, b4, C64);
        C65 = Fused.MultiplyAdd(a6, b5, C65);
        C66 = Fused.MultiplyAdd(a6, b6, C66);
        C67 = Fused.MultiplyAdd(a6, b7, C67);
        C70 = Fused.MultiplyAdd(a7, b0, C70);
        C71 = Fused.MultiplyAdd(a7, b1, C71);
        C72 = Fused.MultiplyAdd(a7, b2, C72);
        C73 = Fused.MultiplyAdd(a7, b3, C73);
        C74 = Fused.MultiplyAdd(a7, b4, C74);
        C75 = Fused.MultiplyAdd(a7, b5, C75);
        C76 = Fused.MultiplyAdd(a7, b6, C76);
        C77 = Fused.MultiplyAdd(a7, b7, C77);
    }

    /// <summary>C[i, j] for the epilogue (runs once per element, after the main loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Get(int i, int j)
    {
        if (i == 0) return j == 0 ? C00 : j == 1 ? C01 : j == 2 ? C02 : j == 3 ? C03 : j == 4 ? C04 : j == 5 ? C05 : j == 6 ? C06 : C07;
        if (i == 1) return j == 0 ? C10 : j == 1 ? C11 : j == 2 ? C12 : j == 3 ? C13 : j == 4 ? C14 : j == 5 ? C15 : j == 6 ? C16 : C17;
        if (i == 2) return j == 0 ? C20 : j == 1 ? C21 : j == 2 ? C22 : j == 3 ? C23 : j == 4 ? C24 : j == 5 ? C25 : j == 6 ? C26 : C27;
        if (i == 3) return j == 0 ? C30 : j == 1 ? C31 : j == 2 ? C32 : j == 3 ? C33 : j == 4 ? C34 : j == 5 ? C35 : j == 6 ? C36 : C37;
        if (i == 4) return j == 0 ? C40 : j == 1 ? C41 : j == 2 ? C42 : j == 3 ? C43 : j == 4 ? C44 : j == 5 ? C45 : j == 6 ? C46 : C47;
        if (i == 5) return j == 0 ? C50 : j == 1 ? C51 : j == 2 ? C52 : j == 3 ? C53 : j == 4 ? C54 : j == 5 ? C55 : j == 6 ? C56 : C57;
        if (i == 6) return j == 0 ? C60 : j == 1 ? C61 : j == 2 ? C62 : j == 3 ? C63 : j == 4 ? C64 : j == 5 ? C65 : j == 6 ? C66 : C67;
        return j == 0 ? C70 : j == 1 ? C71 : j == 2 ? C72 : j == 3 ? C73 : j == 4 ? C74 : j == 5 ? C75 : j == 6 ? C76 : C77;
    }
}
