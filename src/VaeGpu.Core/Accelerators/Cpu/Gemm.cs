using System.Buffers;
using System.Runtime.Intrinsics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// C[m × n] = A[m × k] · B[k × n] for strided A and B, followed by a fused epilogue, on the CPU.
///
/// The classic packed GEMM: B is packed once into panels of <see cref="NR"/> columns (k-major,
/// zero-padded), each task packs its rows of A into micro-blocks of <see cref="MR"/> rows, and a
/// 6×16 register-blocked FMA micro-kernel computes each tile (12 Vector256 accumulators). Tasks own
/// disjoint blocks of C and every element is summed over k in order 0..k−1 by a single micro-kernel
/// call, so the result is bit-identical for any thread count.
/// </summary>
internal static unsafe class Gemm
{
    public const int MR = 6;
    public const int NR = 16;

    /// <summary>Rows of A a task packs at once: 96 rows × k = 784 floats is 300 KB, L2-sized.</summary>
    private const int MaxRowsPerTask = 96;

    public static void Multiply<TEpilogue>(GemmOperand a, GemmOperand b, float* c, int ldc,
        int m, int n, int k, TEpilogue epilogue, int maxThreads) where TEpilogue : struct, IGemmEpilogue
    {
        if (m == 0 || n == 0) return;
        int panels = (n + NR - 1) / NR;
        float[] packedB = ArrayPool<float>.Shared.Rent(Math.Max(1, panels * NR * k));
        try
        {
            fixed (float* pb = packedB)
            {
                var job = new GemmJob<TEpilogue>(a, b, pb, c, ldc, m, n, k, epilogue, maxThreads);
                job.Run();
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedB);
        }
    }

    /// <summary>One GEMM call: the partition of C into tasks and what each task does.</summary>
    private sealed class GemmJob<TEpilogue>(GemmOperand a, GemmOperand b, float* packedB, float* c, int ldc,
        int m, int n, int k, TEpilogue epilogue, int maxThreads) where TEpilogue : struct, IGemmEpilogue
    {
        private readonly int _panels = (n + NR - 1) / NR;
        private int _rowsPerTask;
        private int _rowTasks;
        private int _panelsPerTask;
        private int _columnTasks;

        public void Run()
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = maxThreads };
            Parallel.For(0, _panels, options, PackPanel);

            _rowTasks = Math.Max(CeilDiv(m, MaxRowsPerTask), Math.Min(maxThreads, CeilDiv(m, MR)));
            _rowsPerTask = RoundUp(CeilDiv(m, _rowTasks), MR);
            _rowTasks = CeilDiv(m, _rowsPerTask);
            // Split columns too only when rows alone cannot keep every thread busy (small m) and the
            // epilogue is element-wise.
            _columnTasks = epilogue.NeedsWholeRows ? 1 : Math.Clamp(CeilDiv(maxThreads, _rowTasks), 1, _panels);
            _panelsPerTask = CeilDiv(_panels, _columnTasks);
            _columnTasks = CeilDiv(_panels, _panelsPerTask);

            if (_rowTasks * _columnTasks == 1) RunTask(0);
            else Parallel.For(0, _rowTasks * _columnTasks, options, RunTask);
        }

        private void PackPanel(int panel)
        {
            float* destination = packedB + (nint)panel * k * NR;
            int column0 = panel * NR;
            int columns = Math.Min(NR, n - column0);
            if (b.ColumnStride == 1 && columns == NR)
            {
                for (int kk = 0; kk < k; kk++)
                    Buffer.MemoryCopy(b.Pointer + kk * b.RowStride + column0, destination + kk * NR, NR * 4, NR * 4);
                return;
            }
            for (int kk = 0; kk < k; kk++)
            {
                float* row = destination + kk * NR;
                for (int j = 0; j < NR; j++) row[j] = j < columns ? b[kk, column0 + j] : 0f;
            }
        }

        private void RunTask(int task)
        {
            int row0 = task / _columnTasks * _rowsPerTask;
            int rows = Math.Min(_rowsPerTask, m - row0);
            int panel0 = task % _columnTasks * _panelsPerTask;
            int panel1 = Math.Min(_panels, panel0 + _panelsPerTask);
            int blocks = CeilDiv(rows, MR);

            float[] packedA = ArrayPool<float>.Shared.Rent(Math.Max(1, blocks * MR * k));
            try
            {
                fixed (float* pa = packedA)
                {
                    PackRows(pa, row0, rows);
                    // Panel-outer, block-inner: one B panel (k × 16) stays in L1/L2 while every block of
                    // this task's rows streams past it.
                    for (int panel = panel0; panel < panel1; panel++)
                    {
                        int column0 = panel * NR;
                        int columns = Math.Min(NR, n - column0);
                        float* pb = packedB + (nint)panel * k * NR;
                        for (int block = 0; block < blocks; block++)
                        {
                            int blockRow = row0 + block * MR;
                            MicroKernel6x16(pa + (nint)block * MR * k, pb, k, c + (nint)blockRow * ldc + column0, ldc,
                                Math.Min(MR, m - blockRow), columns);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(packedA);
            }
            int firstColumn = panel0 * NR;
            epilogue.Apply(c, ldc, row0, rows, firstColumn, Math.Min(n, panel1 * NR) - firstColumn);
        }

        private void PackRows(float* destination, int row0, int rows)
        {
            for (int block = 0; block * MR < rows; block++)
            {
                float* blockStart = destination + (nint)block * MR * k;
                int blockRows = Math.Min(MR, rows - block * MR);
                for (int i = 0; i < MR; i++)
                {
                    if (i >= blockRows)
                    {
                        for (int kk = 0; kk < k; kk++) blockStart[kk * MR + i] = 0f;
                        continue;
                    }
                    float* source = a.Pointer + (row0 + block * MR + i) * a.RowStride;
                    for (int kk = 0; kk < k; kk++) blockStart[kk * MR + i] = source[kk * a.ColumnStride];
                }
            }
        }
    }

    /// <summary>C tile [rows ≤ 6 × columns ≤ 16] = packed A block (k × 6) · packed B panel (k × 16).</summary>
    private static void MicroKernel6x16(float* pa, float* pb, int k, float* c, nint ldc, int rows, int columns)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int kk = 0; kk < k; kk++)
        {
            Vector256<float> b0 = Vector256.Load(pb);
            Vector256<float> b1 = Vector256.Load(pb + 8);
            Vector256<float> a0 = Vector256.Create(pa[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            Vector256<float> a1 = Vector256.Create(pa[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            Vector256<float> a2 = Vector256.Create(pa[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            Vector256<float> a3 = Vector256.Create(pa[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            Vector256<float> a4 = Vector256.Create(pa[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            Vector256<float> a5 = Vector256.Create(pa[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            pa += MR;
            pb += NR;
        }

        if (rows == MR && columns == NR)
        {
            c00.Store(c); c01.Store(c + 8); c += ldc;
            c10.Store(c); c11.Store(c + 8); c += ldc;
            c20.Store(c); c21.Store(c + 8); c += ldc;
            c30.Store(c); c31.Store(c + 8); c += ldc;
            c40.Store(c); c41.Store(c + 8); c += ldc;
            c50.Store(c); c51.Store(c + 8);
            return;
        }

        // Edge tile: compute in full into a scratch tile and copy only the part inside C.
        float* tile = stackalloc float[MR * NR];
        c00.Store(tile); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                c[i * ldc + j] = tile[i * NR + j];
    }

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;

    private static int RoundUp(int value, int multiple) => CeilDiv(value, multiple) * multiple;
}
