using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// GEMM version 2: C[m × n] = A[m × k] · B[k × n] for strided A and B, with a fused epilogue.
///
/// What changed from version 1 (<see cref="Gemm"/>, kept beside it as the reference):
/// - the micro-kernel is 8 rows × 32 columns of Vector512 FMA accumulators (16 zmm registers) when
///   the processor has AVX-512, else version 1's 6 × 16 Vector256 tile; chosen at run time;
/// - packing reads each operand along its contiguous direction (weights transposed in place by
///   rows, dYᵀ copied 8 floats at a time), instead of element by element through strides;
/// - no allocation per call: the fork-join is <see cref="CpuWorkers"/>, the packed buffers are 64-byte aligned native memory owned by the
///   accelerator and grown on demand, one packed-A buffer per worker, and the parallel body is a
///   delegate cached per epilogue type;
/// - tasks are handed out dynamically to exactly min(threads, tasks) workers and the row split is
///   rounded to a multiple of the thread count, so two cores never wait on a 3:2 split.
/// Every element of C is still summed over k in order 0..k−1 by one micro-kernel call, so results
/// are bit-identical for any thread count.
///
/// Not thread-safe: one accelerator issues its ops in order from one host thread.
/// </summary>
internal sealed unsafe class Gemm2 : IDisposable
{
    /// <summary>Rows of A a task packs at once: 96 rows × k = 1024 floats is 384 KB, L2-sized.</summary>
    private const int MaxRowsPerTask = 96;

    // The reduction is cut into blocks of at most this many terms when it is longer (dw of a convolution: k is
    // every output position of the batch, 6,272 for the conv model's second layer). A whole k × 32 panel of B
    // and the MR-row blocks of A against it then outgrow L2 and stream from L3 at half the FMA rate; a block's
    // panel slice (64 KB) stays in L1/L2. The micro-kernel carries each output's sum on from C into the next
    // block, one FMA per term in order from 0 as before, so the bits do not change.
    private const int MaxReductionBlock = 512;

    private readonly int _threads;
    private readonly CpuWorkers _pool;
    private readonly Dictionary<Type, object> _calls = [];
    private float* _packedB;
    private nint _packedBCapacity;
    // B in place (RowPointers): per panel, k row pointers into the image, and one row of zeros for the padding,
    // cleared once here and never written.
    private float** _rowPointers;
    private nint _rowPointersCapacity;
    private float* _zeroRow = ZeroedRow();
    private readonly nint[] _packedA;
    private readonly nint[] _packedACapacity;
    // Per worker, MR rows of an im2col operand A lowered from the image before they are packed.
    private readonly nint[] _lowered;
    private readonly nint[] _loweredCapacity;

    public Gemm2(int threads, bool wide, CpuWorkers pool)
    {
        _threads = threads;
        _pool = pool;
        Wide = wide;
        MR = wide ? 8 : 6;
        NR = wide ? 32 : 16;
        _packedA = new nint[threads];
        _packedACapacity = new nint[threads];
        _lowered = new nint[threads];
        _loweredCapacity = new nint[threads];
    }

    /// <summary>True for the Vector512 8×32 micro-kernel, false for the Vector256 6×16 one.</summary>
    public bool Wide { get; }

    public int MR { get; }

    public int NR { get; }

    // The packing and the pool are named too: on a machine without AVX-512 both versions run a 6×16
    // Vector256 tile, and those are what make this one 2–3× faster than version 1 there.
    public string Description => (Wide ? "gemm v2, 8×32 Vector512 FMA" : "gemm v2, 6×16 Vector256 FMA") + ", contiguous packing, own worker pool";

    public void Multiply<TEpilogue>(GemmOperand a, GemmOperand b, float* c, int ldc,
        int m, int n, int k, TEpilogue epilogue) where TEpilogue : struct, IGemmEpilogue
    {
        if (m == 0 || n == 0) return;
        if (!_calls.TryGetValue(typeof(TEpilogue), out object? cached))
            _calls[typeof(TEpilogue)] = cached = new Call<TEpilogue>(this);
        ((Call<TEpilogue>)cached).Run(a, b, c, ldc, m, n, k, epilogue);
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_packedB);
        _packedB = null;
        _packedBCapacity = 0;
        NativeMemory.Free(_rowPointers);
        _rowPointers = null;
        _rowPointersCapacity = 0;
        NativeMemory.AlignedFree(_zeroRow);
        _zeroRow = null;
        for (int i = 0; i < _packedA.Length; i++)
        {
            NativeMemory.AlignedFree((void*)_packedA[i]);
            _packedA[i] = 0;
            _packedACapacity[i] = 0;
            NativeMemory.AlignedFree((void*)_lowered[i]);
            _lowered[i] = 0;
            _loweredCapacity[i] = 0;
        }
    }

    /// <summary>Worker <paramref name="worker"/>'s buffer <paramref name="buffers"/>[worker], at least <paramref name="length"/> floats.</summary>
    private static void Grow(nint[] buffers, nint[] capacities, int worker, nint length)
    {
        float* buffer = (float*)buffers[worker];
        nint capacity = capacities[worker];
        Grow(ref buffer, ref capacity, length);
        buffers[worker] = (nint)buffer;
        capacities[worker] = capacity;
    }

    private static void Grow(ref float* buffer, ref nint capacity, nint length)
    {
        if (length <= capacity) return;
        NativeMemory.AlignedFree(buffer);
        nint grown = Math.Max(length, capacity * 3 / 2);
        buffer = (float*)NativeMemory.AlignedAlloc((nuint)(grown * sizeof(float)), 64);
        capacity = grown;
    }

    /// <summary>The state of one GEMM call and the cached delegates that run its pieces in parallel.</summary>
    private sealed class Call<TEpilogue> where TEpilogue : struct, IGemmEpilogue
    {
        private readonly Gemm2 _owner;
        private int[] _panelState = new int[16];
        private readonly Action<int> _work, _prepack;
        private GemmOperand _a, _b;
        private float* _c, _packedB;
        private bool _bInPlace;
        private int _ldc, _m, _n, _k, _panels, _rowsPerTask, _rowTasks, _panelsPerTask, _columnTasks, _tasks, _workers;
        private int _nextTask;
        private TEpilogue _epilogue;

        public Call(Gemm2 owner)
        {
            _owner = owner;
            _work = Work;
            _prepack = Prepack;
        }

        public void Run(GemmOperand a, GemmOperand b, float* c, int ldc, int m, int n, int k, TEpilogue epilogue)
        {
            Gemm2 o = _owner;
            int mr = o.MR, nr = o.NR, threads = o._threads;
            _a = a; _b = b; _c = c; _ldc = ldc; _m = m; _n = n; _k = k; _epilogue = epilogue;
            _panels = CeilDiv(n, nr);

            // An im2col B whose panels are each one kernel tap's channels (InChannels a multiple of NR) is read in
            // place through row pointers: no k × NR copy per panel, which for a convolution's dw is as many floats as
            // the multiply has multiply-adds per output row.
            _bInPlace = b.Lowered is { } loweredB && loweredB.RowsInPlace(nr);
            if (_bInPlace)
            {
                nint pointers = Math.Max(1, (nint)_panels * k);
                if (pointers > o._rowPointersCapacity)
                {
                    NativeMemory.Free(o._rowPointers);
                    o._rowPointers = null;
                    o._rowPointersCapacity = 0;
                    o._rowPointers = (float**)NativeMemory.Alloc((nuint)(pointers * sizeof(float*)));
                    o._rowPointersCapacity = pointers;
                }
            }
            else Grow(ref o._packedB, ref o._packedBCapacity, Math.Max(1, (nint)_panels * nr * k));
            _packedB = o._packedB;

            // Rows: at least enough tasks to keep every thread busy, a multiple of the thread count.
            int rowTasks = Math.Max(CeilDiv(m, MaxRowsPerTask), Math.Min(threads, CeilDiv(m, mr)));
            if (rowTasks > 1) rowTasks = RoundUp(rowTasks, threads);
            _rowsPerTask = RoundUp(CeilDiv(m, rowTasks), mr);
            _rowTasks = CeilDiv(m, _rowsPerTask);
            // Columns too only when rows alone cannot keep every thread busy and the epilogue is element-wise.
            _columnTasks = epilogue.NeedsWholeRows ? 1 : Math.Clamp(CeilDiv(threads, _rowTasks), 1, _panels);
            _panelsPerTask = CeilDiv(_panels, _columnTasks);
            _columnTasks = CeilDiv(_panels, _panelsPerTask);
            _tasks = _rowTasks * _columnTasks;
            _workers = Math.Min(threads, _tasks);

            nint packedALength = Math.Max(1, (nint)RoundUp(Math.Min(_rowsPerTask, m), mr) * k);
            for (int w = 0; w < _workers; w++)
            {
                Grow(o._packedA, o._packedACapacity, w, packedALength);
                if (a.Lowered is not null) Grow(o._lowered, o._loweredCapacity, w, Math.Max(1, (nint)mr * k));
            }

            // B panels are packed inside the same parallel region, by whichever worker needs one first
            // (see PanelReady): one fork-join per GEMM instead of two.
            if (_panelState.Length < _panels) _panelState = new int[Math.Max(_panels, 2 * _panelState.Length)];
            Array.Clear(_panelState, 0, _panels);
            if (b.Lowered is not null && !_bInPlace && _panels < threads)
            {
                // Fewer panels than threads (a one-channel layer's dw: one panel over 25,088 positions): one worker
                // would lower them while the others wait, so every thread lowers a range of k first.
                o._pool.For(threads, _prepack);
                Array.Fill(_panelState, 2, 0, _panels);
            }
            _nextTask = 0;
            if (_workers == 1) Work(0);
            else o._pool.For(_workers, _work);
        }

        /// <summary>
        /// Makes sure panel <paramref name="panel"/> of B is packed: the first worker to ask packs it
        /// (0 → 1 → 2), a worker that finds it being packed spins until it is. A worker never waits
        /// while holding an unfinished panel, so this cannot deadlock.
        /// </summary>
        private void PanelReady(int panel)
        {
            ref int state = ref _panelState[panel];
            if (Volatile.Read(ref state) == 2) return;
            if (Interlocked.CompareExchange(ref state, 1, 0) == 0)
            {
                PackPanel(panel);
                Volatile.Write(ref state, 2);
                return;
            }
            // SpinOnce's default falls back to Thread.Sleep(1) after 20 spins: a worker waiting for a one-panel GEMM's
            // B (dx of a 20-wide layer, packed in ~30 µs) then slept a millisecond, 4× the whole GEMM. The wait is
            // always short (one panel's packing), so it never sleeps; it still yields now and then.
            var spinner = new SpinWait();
            while (Volatile.Read(ref state) != 2) spinner.SpinOnce(sleep1Threshold: -1);
        }

        private void PackPanel(int panel)
        {
            int nr = _owner.NR, k = _k;
            float* destination = _packedB + (nint)panel * k * nr;
            int column0 = panel * nr;
            int columns = Math.Min(nr, _n - column0);
            GemmOperand b = _b;
            if (_bInPlace)
            {
                b.Lowered!.Value.WriteRowPointers(0, k, column0, _owner._rowPointers + (nint)panel * k, _owner._zeroRow);
                return;
            }
            if (b.Lowered is not null)
            {
                PackLowered(panel, 0, k);
                return;
            }
            if (b.ColumnStride == 1)
            {
                // B row-major (dY·W, dYᵀ·X): copy each k-row's slice of the panel.
                for (int kk = 0; kk < k; kk++)
                {
                    float* row = destination + (nint)kk * nr;
                    Buffer.MemoryCopy(b.Pointer + kk * b.RowStride + column0, row, columns * 4, columns * 4);
                    for (int j = columns; j < nr; j++) row[j] = 0f;
                }
                return;
            }
            if (b.RowStride == 1)
            {
                // B = Wᵀ (X·Wᵀ): each column of the panel is a contiguous row of W; 8 rows of W at a time
                // are transposed into 8 adjacent columns of the panel.
                int transposed = columns / 8 * 8;
                for (int j = 0; j < transposed; j += 8)
                    Transpose8.Rows(b.Pointer + (column0 + j) * b.ColumnStride, b.ColumnStride, k, destination + j, nr);
                for (int j = transposed; j < columns; j++)
                {
                    float* source = b.Pointer + (column0 + j) * b.ColumnStride;
                    for (int kk = 0; kk < k; kk++) destination[(nint)kk * nr + j] = source[kk];
                }
                for (int j = columns; j < nr; j++)
                    for (int kk = 0; kk < k; kk++) destination[(nint)kk * nr + j] = 0f;
                return;
            }
            for (int kk = 0; kk < k; kk++)
                for (int j = 0; j < nr; j++)
                    destination[(nint)kk * nr + j] = j < columns ? b[kk, column0 + j] : 0f;
        }

        /// <summary>B = im2col(image) (dYᵀ·im2col for a convolution's dw): k-rows [from, to) of a panel lowered from the image.</summary>
        private void PackLowered(int panel, int from, int to)
        {
            int nr = _owner.NR, column0 = panel * nr, columns = Math.Min(nr, _n - column0);
            float* rows = _packedB + ((nint)panel * _k + from) * nr;
            _b.Lowered!.Value.WriteColumns(from, to, column0, columns, rows, nr);
            if (columns < nr)
                for (int kk = from; kk < to; kk++) FloatRuns.Clear(rows + (nint)(kk - from) * nr + columns, nr - columns);
        }

        /// <summary>Worker <paramref name="worker"/>'s share of every panel's k-rows (see Run).</summary>
        private void Prepack(int worker)
        {
            int threads = _owner._threads;
            int from = (int)((long)_k * worker / threads), to = (int)((long)_k * (worker + 1) / threads);
            for (int panel = 0; panel < _panels; panel++) PackLowered(panel, from, to);
        }

        private void Work(int worker)
        {
            float* packedA = (float*)_owner._packedA[worker], lowered = (float*)_owner._lowered[worker];
            for (int task = Interlocked.Increment(ref _nextTask) - 1; task < _tasks; task = Interlocked.Increment(ref _nextTask) - 1)
                RunTask(task, packedA, lowered);
        }

        private void RunTask(int task, float* packedA, float* lowered)
        {
            Gemm2 o = _owner;
            int mr = o.MR, nr = o.NR, k = _k, m = _m, n = _n;
            int row0 = task / _columnTasks * _rowsPerTask;
            int rows = Math.Min(_rowsPerTask, m - row0);
            int panel0 = task % _columnTasks * _panelsPerTask;
            int panel1 = Math.Min(_panels, panel0 + _panelsPerTask);
            int blocks = CeilDiv(rows, mr);
            float* tile = stackalloc float[8 * 32];

            PackRows(packedA, row0, rows, lowered);
            // Panel-outer, block-inner: one B panel (k × NR) stays in L1/L2 while this task's rows stream past it.
            // Tasks start at different panels (the order does not change any sum), so that workers
            // that start together pack different panels instead of waiting on one.
            int span = panel1 - panel0;
            int rotation = span == 0 ? 0 : (task / _columnTasks) % _owner._threads * span / _owner._threads;
            for (int step = 0; step < span; step++)
            {
                int panel = panel0 + (step + rotation) % span;
                PanelReady(panel);
                int column0 = panel * nr;
                int columns = Math.Min(nr, n - column0);
                if (_bInPlace) MultiplyPanel(new RowPointers(_owner._rowPointers + (nint)panel * k), packedA, row0, blocks, column0, columns, tile);
                else MultiplyPanel(new PackedPanel(_packedB + (nint)panel * k * nr), packedA, row0, blocks, column0, columns, tile);
            }
            int firstColumn = panel0 * nr;
            _epilogue.Apply(_c, _ldc, row0, rows, firstColumn, Math.Min(n, panel1 * nr) - firstColumn);
        }

        /// <summary>The task's row blocks times one panel of B, a block of the reduction at a time (see MaxReductionBlock).</summary>
        private void MultiplyPanel<TPanel>(TPanel panel, float* packedA, int row0, int blocks, int column0, int columns, float* tile)
            where TPanel : struct, IPanelRows<TPanel>
        {
            Gemm2 o = _owner;
            int mr = o.MR, k = _k, m = _m;
            int reductionBlock = k <= MaxReductionBlock ? Math.Max(k, 1) : CeilDiv(k, CeilDiv(k, MaxReductionBlock));
            for (int k0 = 0; k0 < k || k0 == 0; k0 += reductionBlock)
            {
                int kLength = Math.Min(reductionBlock, k - k0);
                TPanel rows = panel.From(k0, o.NR);
                for (int block = 0; block < blocks; block++)
                {
                    int blockRow = row0 + block * mr;
                    float* pa = packedA + (nint)block * mr * k + (nint)k0 * mr;
                    float* c = _c + (nint)blockRow * _ldc + column0;
                    int tileRows = Math.Min(mr, m - blockRow);
                    if (o.Wide) MicroKernel8x32(pa, rows, kLength, c, _ldc, tileRows, columns, tile, accumulate: k0 > 0);
                    else MicroKernel6x16(pa, rows, kLength, c, _ldc, tileRows, columns, tile, accumulate: k0 > 0);
                }
            }
        }

        /// <summary>
        /// A's rows [row0, row0 + rows) into micro-blocks of MR rows, k-major, zero-padded. A lowered operand's
        /// block is first written from its image into <paramref name="lowered"/> (MR rows × k), then packed as row-major.
        /// </summary>
        private void PackRows(float* destination, int row0, int rows, float* lowered)
        {
            int mr = _owner.MR, k = _k;
            for (int block = 0; block * mr < rows; block++)
            {
                float* blockStart = destination + (nint)block * mr * k;
                int first = row0 + block * mr;
                int blockRows = Math.Min(mr, rows - block * mr);
                GemmOperand a = _a;
                if (a.Lowered is { } rowsOf)
                {
                    rowsOf.Write(lowered, first, first + blockRows);
                    a = GemmOperand.RowMajor(lowered, k);
                    first = 0;
                }
                if (a.RowStride == 1)
                {
                    // A = dYᵀ: the block's rows are adjacent columns of dY, contiguous for each k.
                    float* source = a.Pointer + first;
                    if (blockRows == 8 && mr == 8)
                    {
                        for (int kk = 0; kk < k; kk++)
                            Vector256.Store(Vector256.Load(source + kk * a.ColumnStride), blockStart + (nint)kk * 8);
                        continue;
                    }
                    for (int kk = 0; kk < k; kk++)
                    {
                        float* row = blockStart + (nint)kk * mr;
                        float* from = source + kk * a.ColumnStride;
                        for (int i = 0; i < mr; i++) row[i] = i < blockRows ? from[i] : 0f;
                    }
                    continue;
                }
                if (blockRows == 8 && mr == 8 && a.ColumnStride == 1)
                {
                    // A row-major (X, dY): 8 rows transposed into the block 8 × 8 at a time.
                    Transpose8.Rows(a.Pointer + first * a.RowStride, a.RowStride, k, blockStart, 8);
                    continue;
                }
                if (blockRows == 6 && mr == 6 && a.ColumnStride == 1)
                {
                    Transpose8.Rows6(a.Pointer + first * a.RowStride, a.RowStride, k, blockStart);
                    continue;
                }
                for (int i = 0; i < mr; i++)
                {
                    if (i >= blockRows)
                    {
                        for (int kk = 0; kk < k; kk++) blockStart[(nint)kk * mr + i] = 0f;
                        continue;
                    }
                    float* source = a.Pointer + (first + i) * a.RowStride;
                    if (a.ColumnStride == 1)
                        for (int kk = 0; kk < k; kk++) blockStart[(nint)kk * mr + i] = source[kk];
                    else
                        for (int kk = 0; kk < k; kk++) blockStart[(nint)kk * mr + i] = source[kk * a.ColumnStride];
                }
            }
        }
    }

    /// <summary>C tile [rows ≤ 8 × columns ≤ 32] = packed A block (k × 8) · packed B panel (k × 32).</summary>
    /// <param name="accumulate">Go on from the sums in C (a later block of the reduction) instead of from 0.</param>
    private static void MicroKernel8x32<TPanel>(float* pa, TPanel panel, int k, float* c, nint ldc, int rows, int columns, float* tile,
        bool accumulate) where TPanel : struct, IPanelRows<TPanel>
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        bool full = rows == 8 && columns == 32;
        if (accumulate)
        {
            float* s = full ? c : LoadEdgeTile(c, ldc, rows, columns, tile, 32);
            nint ls = full ? ldc : 32;
            c00 = Vector512.Load(s); c01 = Vector512.Load(s + 16); s += ls;
            c10 = Vector512.Load(s); c11 = Vector512.Load(s + 16); s += ls;
            c20 = Vector512.Load(s); c21 = Vector512.Load(s + 16); s += ls;
            c30 = Vector512.Load(s); c31 = Vector512.Load(s + 16); s += ls;
            c40 = Vector512.Load(s); c41 = Vector512.Load(s + 16); s += ls;
            c50 = Vector512.Load(s); c51 = Vector512.Load(s + 16); s += ls;
            c60 = Vector512.Load(s); c61 = Vector512.Load(s + 16); s += ls;
            c70 = Vector512.Load(s); c71 = Vector512.Load(s + 16);
        }
        for (int kk = 0; kk < k; kk++)
        {
            float* pb = panel.Next(32);
            Vector512<float> b0 = Vector512.Load(pb);
            Vector512<float> b1 = Vector512.Load(pb + 16);
            Vector512<float> a = Vector512.Create(pa[0]);
            c00 = Vector512.FusedMultiplyAdd(a, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(pa[1]);
            c10 = Vector512.FusedMultiplyAdd(a, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(pa[2]);
            c20 = Vector512.FusedMultiplyAdd(a, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(pa[3]);
            c30 = Vector512.FusedMultiplyAdd(a, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(pa[4]);
            c40 = Vector512.FusedMultiplyAdd(a, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(pa[5]);
            c50 = Vector512.FusedMultiplyAdd(a, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(pa[6]);
            c60 = Vector512.FusedMultiplyAdd(a, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(pa[7]);
            c70 = Vector512.FusedMultiplyAdd(a, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
            pa += 8;
        }

        // A full tile goes straight to C; an edge tile to the caller's scratch tile, then only the part inside C is copied.
        float* d = full ? c : tile;
        nint ld = full ? ldc : 32;
        c00.Store(d); c01.Store(d + 16); d += ld;
        c10.Store(d); c11.Store(d + 16); d += ld;
        c20.Store(d); c21.Store(d + 16); d += ld;
        c30.Store(d); c31.Store(d + 16); d += ld;
        c40.Store(d); c41.Store(d + 16); d += ld;
        c50.Store(d); c51.Store(d + 16); d += ld;
        c60.Store(d); c61.Store(d + 16); d += ld;
        c70.Store(d); c71.Store(d + 16);
        if (full) return;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                c[i * ldc + j] = tile[i * 32 + j];
    }

    /// <summary>C tile [rows ≤ 6 × columns ≤ 16] = packed A block (k × 6) · packed B panel (k × 16): no AVX-512.</summary>
    private static void MicroKernel6x16<TPanel>(float* pa, TPanel panel, int k, float* c, nint ldc, int rows, int columns, float* tile,
        bool accumulate) where TPanel : struct, IPanelRows<TPanel>
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        bool full = rows == 6 && columns == 16;
        if (accumulate)
        {
            float* s = full ? c : LoadEdgeTile(c, ldc, rows, columns, tile, 16);
            nint ls = full ? ldc : 16;
            c00 = Vector256.Load(s); c01 = Vector256.Load(s + 8); s += ls;
            c10 = Vector256.Load(s); c11 = Vector256.Load(s + 8); s += ls;
            c20 = Vector256.Load(s); c21 = Vector256.Load(s + 8); s += ls;
            c30 = Vector256.Load(s); c31 = Vector256.Load(s + 8); s += ls;
            c40 = Vector256.Load(s); c41 = Vector256.Load(s + 8); s += ls;
            c50 = Vector256.Load(s); c51 = Vector256.Load(s + 8);
        }
        for (int kk = 0; kk < k; kk++)
        {
            float* pb = panel.Next(16);
            Vector256<float> b0 = Vector256.Load(pb);
            Vector256<float> b1 = Vector256.Load(pb + 8);
            Vector256<float> a = Vector256.Create(pa[0]);
            c00 = Vector256.FusedMultiplyAdd(a, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a, b1, c01);
            a = Vector256.Create(pa[1]);
            c10 = Vector256.FusedMultiplyAdd(a, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a, b1, c11);
            a = Vector256.Create(pa[2]);
            c20 = Vector256.FusedMultiplyAdd(a, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a, b1, c21);
            a = Vector256.Create(pa[3]);
            c30 = Vector256.FusedMultiplyAdd(a, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a, b1, c31);
            a = Vector256.Create(pa[4]);
            c40 = Vector256.FusedMultiplyAdd(a, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a, b1, c41);
            a = Vector256.Create(pa[5]);
            c50 = Vector256.FusedMultiplyAdd(a, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a, b1, c51);
            pa += 6;
        }

        float* d = full ? c : tile;
        nint ld = full ? ldc : 16;
        c00.Store(d); c01.Store(d + 8); d += ld;
        c10.Store(d); c11.Store(d + 8); d += ld;
        c20.Store(d); c21.Store(d + 8); d += ld;
        c30.Store(d); c31.Store(d + 8); d += ld;
        c40.Store(d); c41.Store(d + 8); d += ld;
        c50.Store(d); c51.Store(d + 8);
        if (full) return;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                c[i * ldc + j] = tile[i * 16 + j];
    }

    private static float* ZeroedRow()
    {
        var row = (float*)NativeMemory.AlignedAlloc(32 * sizeof(float), 64);
        new Span<float>(row, 32).Clear();
        return row;
    }

    /// <summary>An edge tile's partial sums from C into the scratch tile (width <paramref name="width"/>), 0 outside C.</summary>
    private static float* LoadEdgeTile(float* c, nint ldc, int rows, int columns, float* tile, int width)
    {
        int tileRows = width == 32 ? 8 : 6;
        for (int i = 0; i < tileRows; i++)
            for (int j = 0; j < width; j++)
                tile[i * width + j] = i < rows && j < columns ? c[i * ldc + j] : 0f;
        return tile;
    }

    /// <summary>
    /// Where the micro-kernel finds the next row of a B panel: packed (k × NR, contiguous) or in place through pointers.
    /// A cursor, not an index, with the row width passed as the kernel's constant: the loop then carries one pointer
    /// in a register. With Row(kk) = start + kk·nr the JIT kept the panel's fields on the stack and stored them back
    /// every k step, a store-to-load chain through memory in the 6×16 Vector256 kernel's loop (6 cycles of FMAs).
    /// </summary>
    private interface IPanelRows<TSelf> where TSelf : struct, IPanelRows<TSelf>
    {
        /// <summary>The current row, then the cursor moves on to the next one (<paramref name="nr"/> floats on, when packed).</summary>
        float* Next(int nr);

        /// <summary>The same panel from reduction row <paramref name="k0"/> on.</summary>
        TSelf From(int k0, int nr);
    }

    /// <summary>A packed panel: row kk at start + kk·NR (aligned, written by PackPanel).</summary>
    private struct PackedPanel(float* start) : IPanelRows<PackedPanel>
    {
        private float* _row = start;

        public float* Next(int nr)
        {
            float* row = _row;
            _row += nr;
            return row;
        }

        public readonly PackedPanel From(int k0, int nr) => new(_row + (nint)k0 * nr);
    }

    /// <summary>A panel read in place: row kk at rows[kk] (an image's channels, or the zero row).</summary>
    private struct RowPointers(float** rows) : IPanelRows<RowPointers>
    {
        private float** _rows = rows;

        public float* Next(int nr) => *_rows++;

        public readonly RowPointers From(int k0, int nr) => new(_rows + k0);
    }

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;

    private static int RoundUp(int value, int multiple) => CeilDiv(value, multiple) * multiple;
}
