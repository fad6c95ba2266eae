using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// Copies 8 rows of a matrix into k-major order, 8 × 8 at a time with AVX shuffles:
/// destination[kk·stride + i] = rows[i][kk] for i in 0..7, kk in 0..k−1. The GEMM packs use it for
/// the operands stored across the direction the micro-kernel reads (Wᵀ for X·Wᵀ, and the rows of
/// X): the element-by-element copy it replaces wrote one float per cache line, which cost the
/// 128×784→400 forward about a quarter of its time. Pure data movement, so the packed floats and
/// every GEMM result are the same bits as before.
/// </summary>
internal static unsafe class Transpose8
{
    public static void Rows(float* row0, nint rowStride, int k, float* destination, nint stride)
    {
        int kk = 0;
        if (Avx.IsSupported)
        {
            for (; kk + 8 <= k; kk += 8)
                Block(row0 + kk, rowStride, destination + kk * stride, stride, rows: 8);
        }
        for (; kk < k; kk++)
        {
            float* to = destination + kk * stride;
            for (int i = 0; i < 8; i++) to[i] = row0[i * rowStride + kk];
        }
    }

    /// <summary>
    /// The same for 6 rows into a k × 6 block (the AVX2 micro-kernel's A): destination[kk·6 + i] = rows[i][kk].
    /// Each 8-column step is transposed as 8 × 8 with two rows of zeros, and the 8 output rows are stored 6 floats
    /// apart in ascending order, so the 2 lanes each store writes past its row are overwritten by the next one;
    /// the last step always leaves a column to the scalar tail, so nothing is written past the block.
    /// </summary>
    public static void Rows6(float* row0, nint rowStride, int k, float* destination)
    {
        int kk = 0;
        if (Avx.IsSupported)
        {
            for (; kk + 8 < k; kk += 8)
                Block(row0 + kk, rowStride, destination + kk * 6, 6, rows: 6);
        }
        for (; kk < k; kk++)
        {
            float* to = destination + kk * 6;
            for (int i = 0; i < 6; i++) to[i] = row0[i * rowStride + kk];
        }
    }

    /// <summary>
    /// The 8 × 8 block at <paramref name="source"/> (rows <paramref name="rowStride"/> apart), transposed, its
    /// output rows stored in ascending order; with <paramref name="rows"/> = 6 the last two source rows are zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(float* source, nint rowStride, float* destination, nint stride, int rows)
    {
        Vector256<float> r0 = Avx.LoadVector256(source);
        Vector256<float> r1 = Avx.LoadVector256(source + rowStride);
        Vector256<float> r2 = Avx.LoadVector256(source + 2 * rowStride);
        Vector256<float> r3 = Avx.LoadVector256(source + 3 * rowStride);
        Vector256<float> r4 = Avx.LoadVector256(source + 4 * rowStride);
        Vector256<float> r5 = Avx.LoadVector256(source + 5 * rowStride);
        Vector256<float> r6 = rows == 8 ? Avx.LoadVector256(source + 6 * rowStride) : Vector256<float>.Zero;
        Vector256<float> r7 = rows == 8 ? Avx.LoadVector256(source + 7 * rowStride) : Vector256<float>.Zero;

        // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves swapped into place.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(destination, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(destination + stride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(destination + 2 * stride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(destination + 3 * stride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(destination + 4 * stride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(destination + 5 * stride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(destination + 6 * stride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(destination + 7 * stride, Avx.Permute2x128(u3, u7, 0x31));
    }
}
