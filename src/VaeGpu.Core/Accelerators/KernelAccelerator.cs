namespace VaeGpu.Accelerators;

/// <summary>
/// The ops of every accelerator that runs kernels/*.cl (OpenCL, and CUDA through the prelude),
/// written once like the kernels themselves: shape checks on the host (OpShapes), then launches
/// with the same arguments and geometry. A subclass supplies the buffers and <see cref="Call"/>.
/// </summary>
public abstract class KernelAccelerator : IAccelerator
{
    private DeviceBuffer<float>? _elboPartials;

    protected KernelAccelerator(KernelTuning tuning) => Tuning = tuning;

    /// <summary>Tile and work-group sizes: passed to the kernels as -D NAME=VALUE, and the launch geometry.</summary>
    public KernelTuning Tuning { get; }

    public abstract string Name { get; }

    public abstract DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged;

    public abstract void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged;

    public abstract void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged;

    public abstract void Synchronize();

    public abstract void Dispose();

    /// <summary>A new launch of the named kernel.</summary>
    internal abstract IKernelCall Call(string kernel);

    public void LinearForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation)
    {
        OpShapes.LinearForward(this, x, w, b, y, rows, inFeatures, outFeatures);
        Call("linear_forward").Span(x).Span(w).Span(b).Span(y)
            .Int(rows).Int(inFeatures).Int(outFeatures).Int((int)activation)
            .LaunchGemm(rows, outFeatures);
    }

    public void LinearBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx,
        int rows, int inFeatures, int outFeatures, Activation inputActivation)
    {
        bool wantsDx = OpShapes.LinearBackward(this, dy, x, w, dw, db, dx, rows, inFeatures, outFeatures);
        Call("linear_backward_weights").Span(dy).Span(x).Span(dw).Int(rows).Int(inFeatures).Int(outFeatures)
            .LaunchGemm(outFeatures, inFeatures);
        Call("column_sums").Span(dy).Span(db).Int(rows).Int(outFeatures).LaunchElements(outFeatures);
        if (!wantsDx) return;
        Call("linear_backward_input").Span(dy).Span(w).Span(x).Span(dx)
            .Int(rows).Int(inFeatures).Int(outFeatures).Int((int)inputActivation)
            .LaunchGemm(rows, inFeatures);
    }

    public void Reparameterize(DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl,
        int rows, int latent, LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter)
    {
        OpShapes.Reparameterize(this, head, z, eps, kl, rows, latent, clamp, counter);
        Call("reparameterize").Span(head).Span(z).Span(eps).Span(kl).Span(counter)
            .Int(rows).Int(latent).Float(clamp.Min).Float(clamp.Max)
            .UInt((uint)noise.Seed).UInt((uint)(noise.Seed >> 32)).UInt(noise.Stream).Float(noise.Temperature)
            .LaunchElements(rows);
    }

    public void ReparameterizeBackward(DeviceSpan<float> dz, DeviceSpan<float> head, DeviceSpan<float> eps,
        DeviceSpan<float> dHead, int rows, int latent, LogVarClamp clamp, KlWeight klWeight, float klScale,
        DeviceSpan<uint> counter)
    {
        OpShapes.ReparameterizeBackward(this, dz, head, eps, dHead, rows, latent, clamp, counter);
        Call("reparameterize_backward").Span(dz).Span(head).Span(eps).Span(dHead).Span(counter)
            .Int(rows).Int(latent).Float(clamp.Min).Float(clamp.Max)
            .Float(klWeight.Beta).Int(klWeight.WarmupSteps).Float(klScale)
            .LaunchElements(rows * latent);
    }

    public void ElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures,
        Likelihood likelihood, float gradScale)
    {
        bool wantsGradient = OpShapes.ElboOutput(this, h, w, b, target, nll, dLogits, rows, hidden, outFeatures, likelihood);
        if (rows == 0) return;
        int columnTiles = (outFeatures + Tuning.TileN - 1) / Tuning.TileN;
        DeviceBuffer<float> partials = ElboPartials(rows * columnTiles);
        // Without a gradient output the kernel still needs a valid buffer argument; it never writes it.
        DeviceSpan<float> gradient = wantsGradient ? dLogits : nll;
        Call("elbo_output").Span(h).Span(w).Span(b).Span(target).Buffer(partials).Span(gradient)
            .Int(rows).Int(hidden).Int(outFeatures).Int((int)likelihood.Kind).Float(likelihood.Sigma)
            .Float(gradScale).Int(wantsGradient ? 1 : 0)
            .LaunchGemm(rows, outFeatures);
        Call("row_sums").Buffer(partials).Int(columnTiles).Span(nll).Int(rows).LaunchElements(rows);
    }

    public void AdamStep(DeviceSpan<float> parameters, DeviceSpan<float> gradients, DeviceSpan<float> m,
        DeviceSpan<float> v, AdamSettings adam, DeviceSpan<uint> counter)
    {
        OpShapes.AdamStep(this, parameters, gradients, m, v, counter);
        Call("adam_step").Span(parameters).Span(gradients).Span(m).Span(v).Span(counter).Int(parameters.Length)
            .Float(adam.LearningRate).Float(adam.Beta1).Float(adam.Beta2).Float(adam.Epsilon)
            .LaunchElements(parameters.Length);
    }

    public void Reduce(DeviceSpan<float> source, DeviceSpan<float> destination)
    {
        OpShapes.Require(nameof(Reduce), "source", source, source.Length, this);
        OpShapes.Require(nameof(Reduce), "destination", destination, 1, this);
        Call("reduce_sum").Span(source).Int(source.Length).Span(destination).LaunchOneGroup(Tuning.ReduceGroup);
    }

    public void GatherRows(DeviceSpan<byte> images, DeviceSpan<int> indices, DeviceSpan<float> destination,
        int rows, int rowLength)
    {
        OpShapes.GatherRows(this, images, indices, destination, rows, rowLength);
        Call("gather_rows").Span(images).Int(images.Length / rowLength).Span(indices).Span(destination)
            .Int(rows).Int(rowLength).LaunchElements(rows * rowLength);
    }

    public void AdvanceCounter(DeviceSpan<uint> counter)
    {
        OpShapes.Require(nameof(AdvanceCounter), "counter", counter, 1, this);
        Call("advance_counter").Span(counter).LaunchElements(1);
    }

    /// <summary>Raw Philox blocks drawn on the device: what the tests compare bit for bit with the CPU.</summary>
    internal void PhiloxBits(DeviceSpan<uint> bits, uint firstBlock, uint step, uint stream, ulong seed)
    {
        if (bits.Length % 4 != 0) throw new ArgumentException($"PhiloxBits: {bits.Length} words is not a whole number of blocks");
        OpShapes.Require(nameof(PhiloxBits), "bits", bits, bits.Length, this);
        Call("philox_bits").Span(bits).Int(bits.Length / 4).UInt(firstBlock).UInt(step).UInt(stream)
            .UInt((uint)seed).UInt((uint)(seed >> 32)).LaunchElements(bits.Length / 4);
    }

    /// <summary>Frees the ops' own scratch memory; subclasses call it from Dispose.</summary>
    protected void DisposeScratch()
    {
        _elboPartials?.Dispose();
        _elboPartials = null;
    }

    /// <summary>Whether scratch memory may be allocated now (not while a CUDA graph is being captured).</summary>
    protected virtual string? ScratchAllocationRefused => null;

    /// <summary>Per-row, per-column-tile NLL sums of ElboOutput; grown on demand, kept for the next call.</summary>
    private DeviceBuffer<float> ElboPartials(int length)
    {
        if (_elboPartials is null || _elboPartials.Length < length)
        {
            if (ScratchAllocationRefused is { } reason) throw new InvalidOperationException($"ElboOutput: {reason}");
            _elboPartials?.Dispose();
            _elboPartials = Allocate<float>(length);
        }
        return _elboPartials;
    }
}
