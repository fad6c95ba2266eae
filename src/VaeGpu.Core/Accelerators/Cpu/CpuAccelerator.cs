using System.Runtime.Intrinsics;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The managed accelerator: every op in C# with SIMD, parallel over row blocks on a fork-join pool. Always
/// available, and the reference that the device accelerators are checked against. Results are
/// bit-identical for any thread count: work is split into disjoint output blocks and every sum
/// runs in a fixed order inside one block.
/// </summary>
public sealed unsafe partial class CpuAccelerator : IAccelerator
{
    /// <summary>The GEMM version used when none is asked for: the fastest one.</summary>
    public const int LatestGemmVersion = 2;

    private readonly CpuWorkers _workers;
    private readonly Gemm2? _gemm2;
    private readonly ParallelRanges<AdamUpdate> _adam;
    private readonly ParallelRanges<ShardSumRange> _shardSum;
    private readonly ParallelRanges<ReparameterizeRows> _reparameterize;
    private readonly ParallelRanges<ReparameterizeBackwardRows> _reparameterizeBackward;
    private readonly ParallelRanges<ByteRowGather> _gather;
    private readonly ParallelRanges<ColumnSumsRange> _columnSums;

    /// <param name="threads">Worker threads; default every logical processor.</param>
    /// <param name="gemmVersion">
    /// Which GEMM runs the linear ops: 1 is <see cref="Gemm"/> (6×16 Vector256, the first version,
    /// kept as a reference), 2 is <see cref="Gemm2"/> (8×32 Vector512 where the processor has AVX-512,
    /// no allocation per call, vectorized loss epilogue). Default <see cref="LatestGemmVersion"/>.
    /// </param>
    public CpuAccelerator(int? threads = null, int? gemmVersion = null)
    {
        Threads = threads ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(threads));
        GemmVersion = gemmVersion ?? LatestGemmVersion;
        ArgumentOutOfRangeException.ThrowIfLessThan(GemmVersion, 1, nameof(gemmVersion));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(GemmVersion, LatestGemmVersion, nameof(gemmVersion));
        _workers = new CpuWorkers(Threads);
        if (GemmVersion == 2) _gemm2 = new Gemm2(Threads, wide: Vector512.IsHardwareAccelerated, _workers);
        // A few chunks per thread: the pool hands them out dynamically, so a slow chunk does not hold the others.
        _adam = new ParallelRanges<AdamUpdate>(_workers, Threads * 4);
        _shardSum = new ParallelRanges<ShardSumRange>(_workers, Threads * 4);
        _reparameterize = new ParallelRanges<ReparameterizeRows>(_workers, Threads * 2);
        _reparameterizeBackward = new ParallelRanges<ReparameterizeBackwardRows>(_workers, Threads * 2);
        _gather = new ParallelRanges<ByteRowGather>(_workers, Threads * 2);
        _columnSums = new ParallelRanges<ColumnSumsRange>(_workers, Threads * 2);
    }

    public int Threads { get; }

    /// <summary>The GEMM version in use (see the constructor).</summary>
    public int GemmVersion { get; }

    /// <summary>"gemm v2, 8×32 Vector512 FMA, ...": which kernels run, for benchmark tables.</summary>
    public string KernelDescription => _gemm2?.Description ?? "gemm v1, 6×16 Vector256 FMA, strided packing, Parallel.For";

    public string Name => $"cpu ({Threads} threads, {SimdDescription})";

    public DeviceRequest Request { get; } = new(DeviceKind.Cpu);

    public static string SimdDescription =>
        Vector512.IsHardwareAccelerated ? "AVX-512" :
        Vector256.IsHardwareAccelerated ? "AVX2" :
        Vector128.IsHardwareAccelerated ? "128-bit SIMD" : "no SIMD";

    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged => new CpuBuffer<T>(this, length);

    public void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged
    {
        OpShapes.Require(nameof(Upload), "destination", destination, source.Length, this);
        source.CopyTo(Host(destination));
    }

    public void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged
    {
        OpShapes.Require(nameof(Download), "source", source, destination.Length, this);
        Host(source).CopyTo(destination);
    }

    public void Synchronize() { }

    public void LinearForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation)
    {
        OpShapes.LinearForward(this, x, w, b, y, rows, inFeatures, outFeatures);
        Multiply(
            GemmOperand.RowMajor(Pointer(x), inFeatures),
            GemmOperand.Transposed(Pointer(w), inFeatures),
            Pointer(y), outFeatures, rows, outFeatures, inFeatures,
            new BiasActivationEpilogue(Pointer(b), activation));
    }

    public void LinearBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx,
        int rows, int inFeatures, int outFeatures, Activation inputActivation)
    {
        bool wantsDx = OpShapes.LinearBackward(this, dy, x, w, dw, db, dx, rows, inFeatures, outFeatures);
        // dW[o, i] = Σ_r dY[r, o] · X[r, i]: A = dYᵀ read in place through strides.
        Multiply(
            GemmOperand.Transposed(Pointer(dy), outFeatures),
            GemmOperand.RowMajor(Pointer(x), inFeatures),
            Pointer(dw), inFeatures, outFeatures, inFeatures, rows, new NoEpilogue());
        _columnSums.Run(new ColumnSumsRange(Pointer(dy), Pointer(db), rows, outFeatures), outFeatures, minChunk: 128);
        if (!wantsDx) return;
        Multiply(
            GemmOperand.RowMajor(Pointer(dy), outFeatures),
            GemmOperand.RowMajor(Pointer(w), inFeatures),
            Pointer(dx), inFeatures, rows, inFeatures, outFeatures,
            new ActivationDerivativeEpilogue(Pointer(x), inFeatures, inputActivation));
    }

    public void Reparameterize(DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl,
        int rows, int latent, LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter)
    {
        OpShapes.Reparameterize(this, head, z, eps, kl, rows, latent, clamp, counter);
        // Philox, Box-Muller and two exps per element: about a microsecond a row, worth the pool from 16 rows.
        _reparameterize.Run(new ReparameterizeRows(Pointer(head), Pointer(z), Pointer(eps), Pointer(kl), latent, clamp, noise, Host(counter)[0]),
            rows, minChunk: 16);
    }

    public void ReparameterizeBackward(DeviceSpan<float> dz, DeviceSpan<float> head, DeviceSpan<float> eps,
        DeviceSpan<float> dHead, int rows, int latent, LogVarClamp clamp, KlWeight klWeight, float klScale,
        DeviceSpan<uint> counter)
    {
        OpShapes.ReparameterizeBackward(this, dz, head, eps, dHead, rows, latent, clamp, counter);
        float weight = klWeight.At(Host(counter)[0]) * klScale;
        _reparameterizeBackward.Run(new ReparameterizeBackwardRows(Pointer(dz), Pointer(head), Pointer(eps), Pointer(dHead), latent, clamp, weight),
            rows, minChunk: 32);
    }

    public void ElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures,
        Likelihood likelihood, float gradScale, DeviceSpan<float> logSigma = default)
    {
        bool wantsGradient = OpShapes.ElboOutput(this, h, w, b, target, nll, dLogits, rows, hidden, outFeatures, likelihood, logSigma);
        // Without a gradient output (evaluation) the logits need somewhere to live for the epilogue.
        float[]? scratch = wantsGradient ? null : System.Buffers.ArrayPool<float>.Shared.Rent(Math.Max(1, rows * outFeatures));
        try
        {
            fixed (float* scratchPointer = scratch)
            {
                float* logits = wantsGradient ? Pointer(dLogits) : scratchPointer;
                Multiply(
                    GemmOperand.RowMajor(Pointer(h), hidden),
                    GemmOperand.Transposed(Pointer(w), hidden),
                    logits, outFeatures, rows, outFeatures, hidden,
                    // The vectorized loss goes with GEMM version 2, the scalar one with version 1.
                    new ElboEpilogue(Pointer(b), Pointer(target), Pointer(nll), wantsGradient, gradScale, likelihood, Pointer(logSigma),
                        vectorized: _gemm2 is not null));
            }
        }
        finally
        {
            if (scratch is not null) System.Buffers.ArrayPool<float>.Shared.Return(scratch);
        }
    }

    public void LogSigmaGradient(DeviceSpan<float> dLogits, DeviceSpan<float> logSigma, DeviceSpan<float> dLogSigma,
        int rows, int features, float gradScale)
    {
        OpShapes.LogSigmaGradient(this, dLogits, logSigma, dLogSigma, rows, features, gradScale);
        Span<float> gradients = Host(dLogits), logSigmas = Host(logSigma), output = Host(dLogSigma);
        for (int j = 0; j < features; j++)
        {
            // Rows in order, float sums from 0: the order of the device kernel (ElboKernels.LogSigmaGradient).
            float sum = 0f;
            for (int r = 0; r < rows; r++) sum += Kernels.PixelLoss.LogSigmaGradient(gradients[r * features + j], gradScale, logSigmas[j]);
            output[j] = sum;
        }
    }

    public void AdamStep(DeviceSpan<float> parameters, DeviceSpan<float> gradients, DeviceSpan<float> m,
        DeviceSpan<float> v, AdamSettings adam, DeviceSpan<uint> counter)
    {
        OpShapes.AdamStep(this, parameters, gradients, m, v, counter);
        long t = Host(counter)[0] + 1L;
        _adam.Run(new AdamUpdate(adam, t, Pointer(parameters), Pointer(gradients), Pointer(m), Pointer(v)), parameters.Length, AdamUpdate.MinChunk);
    }

    public void SumShards(DeviceSpan<float> shards, DeviceSpan<float> sum, int count)
    {
        OpShapes.SumShards(this, shards, sum, count);
        _shardSum.Run(new ShardSumRange(Pointer(shards), Pointer(sum), sum.Length, count), sum.Length, ShardSumRange.MinChunk);
    }

    /// <summary>The GEMM of the linear and loss ops, by version.</summary>
    private void Multiply<TEpilogue>(GemmOperand a, GemmOperand b, float* c, int ldc, int m, int n, int k, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue
    {
        if (_gemm2 is not null) _gemm2.Multiply(a, b, c, ldc, m, n, k, epilogue);
        else Gemm.Multiply(a, b, c, ldc, m, n, k, epilogue, Threads);
    }

    public void Reduce(DeviceSpan<float> source, DeviceSpan<float> destination)
    {
        OpShapes.Require(nameof(Reduce), "source", source, source.Length, this);
        OpShapes.Require(nameof(Reduce), "destination", destination, 1, this);
        double sum = 0;
        foreach (float value in Host(source)) sum += value;
        Host(destination)[0] = (float)sum;
    }

    public void GatherRows(DeviceSpan<byte> images, DeviceSpan<int> indices, DeviceSpan<float> destination,
        int rows, int rowLength)
    {
        OpShapes.GatherRows(this, images, indices, destination, rows, rowLength);
        fixed (byte* pixels = Host(images))
        fixed (int* rowIndices = Host(indices))
            // Memory-bound on random rows of the image set: both cores' loads in flight halve it.
            _gather.Run(new ByteRowGather(pixels, images.Length / rowLength, rowIndices, Pointer(destination), rowLength), rows, minChunk: 16);
    }

    public void GatherBatch(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
        DeviceSpan<float> destination, int rows, int rowLength)
    {
        OpShapes.GatherBatch(this, images, order, cursor, batchSize, destination, rows, rowLength);
        long start = (long)Host(cursor)[0] * batchSize;
        // Rows the order does not reach are NaN, as GatherRows does for an index outside the images.
        int inOrder = (int)Math.Clamp(order.Length - start, 0, rows);
        if (inOrder > 0) GatherRows(images, order.Slice((int)start, inOrder), destination.Slice(0, inOrder * rowLength), inOrder, rowLength);
        Host(destination).Slice(inOrder * rowLength).Fill(float.NaN);
    }

    public void ReduceToSlot(DeviceSpan<float> source, DeviceSpan<float> log, int width, int component, DeviceSpan<uint> cursor)
    {
        OpShapes.ReduceToSlot(this, source, log, width, component, cursor);
        int slot = (int)(Host(cursor)[0] % (uint)(log.Length / width));
        Reduce(source, log.Slice(slot * width + component, 1));
    }

    public void AdvanceCounter(DeviceSpan<uint> counter)
    {
        OpShapes.Require(nameof(AdvanceCounter), "counter", counter, 1, this);
        Host(counter)[0]++;
    }

    public void Dispose()
    {
        _gemm2?.Dispose();
        _workers.Dispose();
        _convScratch.Dispose();
    }

    private static Span<T> Host<T>(DeviceSpan<T> span) where T : unmanaged =>
        ((CpuBuffer<T>)span.Buffer!).Data.AsSpan(span.Offset, span.Length);

    private static float* Pointer(DeviceSpan<float> span) =>
        span.IsNone ? null : (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref Host(span).GetPinnableReference()) ;
}
