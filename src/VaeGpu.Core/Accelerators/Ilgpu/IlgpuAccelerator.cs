using ILGPU;
using ILGPU.Runtime;
using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Ilgpu;

/// <summary>
/// The ops on an ILGPU accelerator (CUDA, OpenCL, or ILGPU's own CPU accelerator), each a shape check
/// (<see cref="OpShapes"/>) and one launcher call of kernels/ (VaeGpu.Kernels). Every op is issued
/// in order on one stream of its own (a non-default stream, so that a CUDA graph can capture it);
/// <see cref="Download{T}"/> and <see cref="Synchronize"/> wait for it. Owns the ILGPU context,
/// accelerator, stream and every kernel, and disposes them in reverse order.
/// </summary>
public sealed class IlgpuAccelerator : IAccelerator, IStepCapture
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly AcceleratorStream _stream;
    private readonly KernelLaunchers _kernels;
    private MemoryBuffer1D<double, Stride1D.Dense>? _doubleScratch;
    private bool _capturing;

    /// <param name="context">Taken over: disposed with this accelerator.</param>
    /// <param name="device">A device of <paramref name="context"/>.</param>
    /// <param name="request">The --device value that selects it (cuda:0, opencl:0:1, ilgpu-cpu).</param>
    /// <param name="math">For CUDA: where its double math comes from (LibDevice or ILGPU.Algorithms), shown in <see cref="Name"/>.</param>
    /// <param name="versions">Which numbered GEMM kernels to load (the `Kernels` section).</param>
    internal IlgpuAccelerator(Context context, Device device, DeviceRequest request, KernelVersions versions, string? math = null)
    {
        _context = context;
        try
        {
            _accelerator = device.CreateAccelerator(context);
            _stream = _accelerator.CreateStream();
            _kernels = KernelLaunchers.Load(_accelerator, versions);
        }
        catch
        {
            _stream?.Dispose();
            _accelerator?.Dispose();
            context.Dispose();
            throw;
        }
        Request = request;
        Name = math is null ? $"{request}: {device.Name}" : $"{request}: {device.Name}, {math}";
    }

    public DeviceRequest Request { get; }

    public string Name { get; }

    /// <summary>Which GEMM kernels and tile run here, for benchmark tables.</summary>
    public string KernelDescription => _kernels.Description;

    /// <summary>Kernel launches issued so far (a graph replay adds none: its launches were counted when captured).</summary>
    public long KernelLaunches => _kernels.Launches.Count;

    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged
    {
        RefuseWhileCapturing(nameof(Allocate));
        return new IlgpuBuffer<T>(this, _accelerator, length);
    }

    /// <summary>CUDA graphs: only on CUDA (ILGPU's stream there is non-blocking, as capture needs).</summary>
    public bool CanCapture => _stream is ILGPU.Runtime.Cuda.CudaStream;

    public ICapturedOps Capture(Action ops)
    {
        if (_stream is not ILGPU.Runtime.Cuda.CudaStream cuda)
            throw new NotSupportedException($"{Name}: only CUDA can capture ops as a graph");
        _capturing = true;
        try
        {
            return CudaGraph.Capture(cuda.StreamPtr, ops);
        }
        finally
        {
            _capturing = false;
        }
    }

    /// <summary>During a capture nothing may allocate or wait: the driver would invalidate the capture.</summary>
    private void RefuseWhileCapturing(string what)
    {
        if (_capturing) throw new InvalidOperationException($"{Name}: {what} while capturing a CUDA graph");
    }

    public void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged
    {
        RefuseWhileCapturing(nameof(Upload));
        OpShapes.Require(nameof(Upload), "destination", destination, source.Length, this);
        if (source.Length == 0) return;
        View(destination).CopyFromCPU(_stream, source);
        // The copy reads host memory that the caller may reuse as soon as this returns.
        _stream.Synchronize();
    }

    public void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged
    {
        RefuseWhileCapturing(nameof(Download));
        OpShapes.Require(nameof(Download), "source", source, destination.Length, this);
        if (destination.Length == 0) return;
        View(source).CopyToCPU(_stream, destination);
        _stream.Synchronize();
    }

    public void Synchronize()
    {
        RefuseWhileCapturing(nameof(Synchronize));
        _stream.Synchronize();
    }

    public void LinearForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation)
    {
        OpShapes.LinearForward(this, x, w, b, y, rows, inFeatures, outFeatures);
        _kernels.Linear.Forward(_stream, View(x), View(w), View(b), View(y), rows, inFeatures, outFeatures, (int)activation);
    }

    public void LinearBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx,
        int rows, int inFeatures, int outFeatures, Activation inputActivation)
    {
        bool wantsDx = OpShapes.LinearBackward(this, dy, x, w, dw, db, dx, rows, inFeatures, outFeatures);
        _kernels.Linear.Backward(_stream, View(dy), View(x), View(w), View(dw), View(db), wantsDx ? View(dx) : default,
            wantsDx, rows, inFeatures, outFeatures, (int)inputActivation);
    }

    public void Conv2dForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        ConvShape shape, Activation activation)
    {
        OpShapes.Conv2dForward(this, x, w, b, y, shape);
        _kernels.Conv.Forward(_stream, View(x), View(w), View(b), View(y), shape, (int)activation);
    }

    public void Conv2dBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape, Activation inputActivation)
    {
        bool wantsDx = OpShapes.Conv2dBackward(this, dy, x, w, dw, db, dx, shape);
        _kernels.Conv.Backward(_stream, View(dy), View(x), View(w), View(dw), View(db), wantsDx ? View(dx) : default, shape, (int)inputActivation);
    }

    public void ConvTranspose2dForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        ConvShape shape, Activation activation)
    {
        OpShapes.ConvTranspose2dForward(this, x, w, b, y, shape);
        _kernels.Conv.TransposeForward(_stream, View(x), View(w), View(b), View(y), shape, (int)activation);
    }

    public void ConvTranspose2dBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape, Activation inputActivation)
    {
        bool wantsDx = OpShapes.ConvTranspose2dBackward(this, dy, x, w, dw, db, dx, shape);
        _kernels.Conv.TransposeBackward(_stream, View(dy), View(x), View(w), View(dw), View(db), wantsDx ? View(dx) : default,
            shape, (int)inputActivation);
    }

    public void ConvTranspose2dElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, ConvShape shape, Likelihood likelihood, float gradScale,
        DeviceSpan<float> logSigma = default)
    {
        bool wantsGradient = OpShapes.ConvTranspose2dElboOutput(this, h, w, b, target, nll, dLogits, shape, likelihood, logSigma);
        if (shape.Batch == 0) return;
        ArrayView<double> partial = DoubleScratch(_kernels.Conv.PartialLength(shape));
        _kernels.Conv.TransposeLoss(_stream, View(h), View(w), View(b), View(target), partial, wantsGradient ? View(dLogits) : default,
            View(nll), shape, (int)likelihood.Kind, likelihood.Sigma, logSigma.IsNone ? default : View(logSigma), gradScale);
    }

    public void BatchNormForward(DeviceSpan<float> y, DeviceSpan<float> gamma, DeviceSpan<float> beta, DeviceSpan<float> output,
        DeviceSpan<float> statistics, DeviceSpan<float> running, int rows, int channels, Activation activation, bool training)
    {
        OpShapes.BatchNormForward(this, y, gamma, beta, output, statistics, running, rows, channels);
        ArrayView<double> partial = training ? DoubleScratch(BatchNormKernels.PartialLength(rows, channels)) : default;
        _kernels.BatchNorm.Forward(_stream, View(y), View(gamma), View(beta), View(output), View(statistics), View(running), partial,
            rows, channels, (int)activation, training, BatchNormKernels.Momentum, BatchNormKernels.Epsilon);
    }

    public void BatchNormBackward(DeviceSpan<float> dOutput, DeviceSpan<float> y, DeviceSpan<float> gamma, DeviceSpan<float> statistics,
        DeviceSpan<float> dGamma, DeviceSpan<float> dBeta, DeviceSpan<float> dy, int rows, int channels)
    {
        OpShapes.BatchNormBackward(this, dOutput, y, gamma, statistics, dGamma, dBeta, dy, rows, channels);
        _kernels.BatchNorm.Backward(_stream, View(dOutput), View(y), View(gamma), View(statistics), View(dGamma), View(dBeta), View(dy),
            DoubleScratch(BatchNormKernels.PartialLength(rows, channels)), rows, channels);
    }

    public void Reparameterize(DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl,
        int rows, int latent, LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter)
    {
        OpShapes.Reparameterize(this, head, z, eps, kl, rows, latent, clamp, counter);
        _kernels.Reparameterize.Forward(_stream, View(head), View(z), View(eps), View(kl), View(counter), rows, latent,
            noise.Settings(clamp, latent));
    }

    public void ReparameterizeBackward(DeviceSpan<float> dz, DeviceSpan<float> head, DeviceSpan<float> eps,
        DeviceSpan<float> dHead, int rows, int latent, LogVarClamp clamp, KlWeight klWeight, float klScale,
        DeviceSpan<uint> counter)
    {
        OpShapes.ReparameterizeBackward(this, dz, head, eps, dHead, rows, latent, clamp, counter);
        _kernels.Reparameterize.Backward(_stream, View(dz), View(head), View(eps), View(dHead), View(counter), rows, latent,
            clamp.Min, clamp.Max, klWeight.Beta, klWeight.WarmupSteps, klScale);
    }

    public void ElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures,
        Likelihood likelihood, float gradScale, DeviceSpan<float> logSigma = default)
    {
        bool wantsGradient = OpShapes.ElboOutput(this, h, w, b, target, nll, dLogits, rows, hidden, outFeatures, likelihood, logSigma);
        if (rows == 0) return;
        ArrayView<double> partial = DoubleScratch(_kernels.Elbo.PartialLength(rows, outFeatures));
        _kernels.Elbo.Output(_stream, View(h), View(w), View(b), View(target), partial, wantsGradient ? View(dLogits) : default, View(nll),
            rows, hidden, outFeatures, (int)likelihood.Kind, likelihood.Sigma, logSigma.IsNone ? default : View(logSigma), gradScale);
    }

    public void LogSigmaGradient(DeviceSpan<float> dLogits, DeviceSpan<float> logSigma, DeviceSpan<float> dLogSigma,
        int rows, int features, float gradScale)
    {
        OpShapes.LogSigmaGradient(this, dLogits, logSigma, dLogSigma, rows, features, gradScale);
        _kernels.Elbo.LogSigmaGradient(_stream, View(dLogits), View(logSigma), View(dLogSigma), rows, features, gradScale);
    }

    public void AdamStep(DeviceSpan<float> parameters, DeviceSpan<float> gradients, DeviceSpan<float> m,
        DeviceSpan<float> v, AdamSettings adam, DeviceSpan<uint> counter)
    {
        OpShapes.AdamStep(this, parameters, gradients, m, v, counter);
        _kernels.Adam.Step(_stream, View(parameters), View(gradients), View(m), View(v), View(counter),
            adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon);
    }

    public void SumShards(DeviceSpan<float> shards, DeviceSpan<float> sum, int count)
    {
        OpShapes.SumShards(this, shards, sum, count);
        _kernels.ShardSum.Sum(_stream, View(shards), View(sum), count);
    }

    public void Reduce(DeviceSpan<float> source, DeviceSpan<float> destination)
    {
        OpShapes.Require(nameof(Reduce), "source", source, source.Length, this);
        OpShapes.Require(nameof(Reduce), "destination", destination, 1, this);
        _kernels.Reduce.Reduce(_stream, View(source), View(destination));
    }

    public void GatherRows(DeviceSpan<byte> images, DeviceSpan<int> indices, DeviceSpan<float> destination,
        int rows, int rowLength)
    {
        OpShapes.GatherRows(this, images, indices, destination, rows, rowLength);
        _kernels.Reduce.GatherRows(_stream, View(images), View(indices), View(destination), rows, rowLength);
    }

    public void GatherBatch(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
        DeviceSpan<float> destination, int rows, int rowLength)
    {
        OpShapes.GatherBatch(this, images, order, cursor, batchSize, destination, rows, rowLength);
        _kernels.Reduce.GatherBatch(_stream, View(images), View(order), View(cursor), batchSize, View(destination), rows, rowLength);
    }

    public void ReduceToSlot(DeviceSpan<float> source, DeviceSpan<float> log, int width, int component, DeviceSpan<uint> cursor)
    {
        OpShapes.ReduceToSlot(this, source, log, width, component, cursor);
        _kernels.Reduce.ReduceToSlot(_stream, View(source), View(log), width, component, View(cursor));
    }

    public void AdvanceCounter(DeviceSpan<uint> counter)
    {
        OpShapes.Require(nameof(AdvanceCounter), "counter", counter, 1, this);
        _kernels.Reduce.AdvanceCounter(_stream, View(counter));
    }

    /// <summary>One launch at step version 2 (<see cref="GatherLinearKernels"/>); the two plain ops at version 1.</summary>
    public void GatherBatchLinearForward(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
        DeviceSpan<float> input, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation)
    {
        // The fused kernel writes input from its column tiles: a layer without outputs has none.
        if (!_kernels.FusedStep || rows == 0 || outFeatures == 0)
        {
            UnfusedStep.GatherBatchLinearForward(this, images, order, cursor, batchSize, input, w, b, y, rows, inFeatures, outFeatures, activation);
            return;
        }
        OpShapes.GatherBatch(this, images, order, cursor, batchSize, input, rows, inFeatures);
        OpShapes.LinearForward(this, input, w, b, y, rows, inFeatures, outFeatures);
        _kernels.Linear.GatherForward(_stream, View(images), View(order), View(cursor), batchSize, View(input), View(w), View(b), View(y),
            rows, inFeatures, outFeatures, (int)activation);
    }

    /// <summary>One launch at step version 2 (<see cref="HeadSampleKernels"/>); the two plain ops at version 1.</summary>
    public void HeadAndReparameterize(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> head,
        DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl, int rows, int inFeatures, int latent,
        LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter)
    {
        if (_kernels.HeadSample is not { } fused)
        {
            UnfusedStep.HeadAndReparameterize(this, x, w, b, head, z, eps, kl, rows, inFeatures, latent, clamp, noise, counter);
            return;
        }
        OpShapes.LinearForward(this, x, w, b, head, rows, inFeatures, 2 * latent);
        OpShapes.Reparameterize(this, head, z, eps, kl, rows, latent, clamp, counter);
        fused.Forward(_stream, View(x), View(w), View(b), View(head), View(z), View(eps), View(kl), View(counter),
            rows, inFeatures, latent, noise.Settings(clamp, latent));
    }

    /// <summary>One launch at step version 2 (<see cref="ReduceKernels.FinishStep{TTile}"/>); the four plain ops at version 1.</summary>
    public void FinishStep(DeviceSpan<float> nll, DeviceSpan<float> kl, DeviceSpan<float> log, DeviceSpan<uint> stepCounter,
        DeviceSpan<uint> cursor)
    {
        if (!_kernels.FusedStep)
        {
            UnfusedStep.FinishStep(this, nll, kl, log, stepCounter, cursor);
            return;
        }
        OpShapes.FinishStep(this, nll, kl, log, stepCounter, cursor);
        _kernels.Reduce.FinishStep(_stream, View(nll), View(kl), View(log), View(stepCounter), View(cursor));
    }

    /// <summary>Raw Philox blocks drawn on the device: what the tests compare bit for bit with the CPU.</summary>
    internal void PhiloxBits(DeviceSpan<uint> bits, uint firstBlock, uint step, uint stream, ulong seed)
    {
        if (bits.Length % 4 != 0) throw new ArgumentException($"PhiloxBits: {bits.Length} words is not a whole number of blocks");
        OpShapes.Require(nameof(PhiloxBits), "bits", bits, bits.Length, this);
        _kernels.Reparameterize.PhiloxBits(_stream, View(bits), firstBlock, step, stream, seed);
    }

    public void Dispose()
    {
        _doubleScratch?.Dispose();
        _doubleScratch = null;
        _stream.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }

    /// <summary>
    /// Double partial sums: ElboOutput's per-row, per-column-tile NLL sums, BatchNorm's per-block channel sums. Each op
    /// consumes its partials before the next op on the stream runs, so they share one buffer, grown on demand and kept.
    /// </summary>
    private ArrayView<double> DoubleScratch(int length)
    {
        if (_doubleScratch is null || _doubleScratch.Length < length)
        {
            RefuseWhileCapturing("growing the partial sums' scratch (run the ops once before capturing them)");
            _doubleScratch?.Dispose();
            _doubleScratch = _accelerator.Allocate1D<double>(Math.Max(1, length));
        }
        return _doubleScratch.View.SubView(0, Math.Max(1, length));
    }

    private static ArrayView<T> View<T>(DeviceSpan<T> span) where T : unmanaged =>
        ((IlgpuBuffer<T>)span.Buffer!).View(span.Offset, span.Length);
}
