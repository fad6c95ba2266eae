using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// Every launcher of one accelerator, loaded once (ILGPU compiles a kernel when it is loaded, so
/// nothing compiles inside a training step or a graph capture). The tile type is chosen from the
/// accelerator: <see cref="CpuTile"/> for ILGPU's CPU accelerator (16 lanes per group at most),
/// <see cref="GpuTile"/> elsewhere.
/// </summary>
public interface IKernelSet
{
    /// <summary>"linear v1 (64×64×16 tiles, 4×4 per thread), elbo v1 (...)", for benchmark tables.</summary>
    string Description { get; }

    /// <summary>Doubles of scratch that ElboOutput needs per call (row × column-tile partial sums).</summary>
    int ElboPartialLength(int rows, int outFeatures);

    void LinearForward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation);

    void LinearBackward(AcceleratorStream stream, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> dw, ArrayView<float> db, ArrayView<float> dx, bool wantsDx,
        int rows, int inFeatures, int outFeatures, int inputActivation);

    void ElboOutput(AcceleratorStream stream, ArrayView<float> h, ArrayView<float> w, ArrayView<float> b, ArrayView<float> target,
        ArrayView<double> partial, ArrayView<float> dLogits, ArrayView<float> nll, int rows, int hidden, int outFeatures,
        int likelihood, float sigma, ArrayView<float> logSigma, float gradScale, bool writeGradient);

    void LogSigmaGradient(AcceleratorStream stream, ArrayView<float> dLogits, ArrayView<float> logSigma, ArrayView<float> dLogSigma,
        int rows, int columns, float gradScale);

    /// <summary>Every kernel launch issued through this set.</summary>
    LaunchCounter Launches { get; }

    ReparameterizeLauncher Reparameterize { get; }

    AdamLauncher Adam { get; }

    void Sum(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> destination);

    void GatherRows(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> indices, ArrayView<float> destination,
        int rows, int rowLength);

    void GatherBatch(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor, int batchSize,
        ArrayView<float> destination, int rows, int rowLength);

    void SumToSlot(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> log, int width, int component, ArrayView<uint> cursor);

    void AdvanceCounter(AcceleratorStream stream, ArrayView<uint> counter);

    /// <summary>
    /// The end of a training step: Σ nll and Σ kl into the cursor's slot of the (recon, KL) log, then the
    /// step counter and the cursor advance. Step version 1: two SumToSlot and two AdvanceCounter launches;
    /// version 2: one (<see cref="ReduceKernels.FinishStep{TTile}"/>).
    /// </summary>
    void FinishStep(AcceleratorStream stream, ArrayView<float> nll, ArrayView<float> kl, ArrayView<float> log,
        ArrayView<uint> stepCounter, ArrayView<uint> cursor);

    /// <summary>
    /// The batch at the cursor gathered into <paramref name="input"/> and through the first layer: GatherBatch
    /// and LinearForward at step version 1, one launch at version 2 (<see cref="GatherLinearKernels"/>).
    /// </summary>
    void GatherBatchLinearForward(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor,
        int batchSize, ArrayView<float> input, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation);

    /// <summary>
    /// The head GEMM (Identity, 2·latent outputs) and the reparameterization: two launches at step version 1,
    /// one at version 2 (<see cref="HeadSampleKernels"/>).
    /// </summary>
    void HeadAndReparameterize(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b,
        ArrayView<float> head, ArrayView<float> z, ArrayView<float> eps, ArrayView<float> kl, ArrayView<uint> counter,
        int rows, int inFeatures, int latent, float logVarMin, float logVarMax, ulong seed, uint noiseStream, float temperature);
}

public static class KernelSet
{
    /// <summary>Loads every kernel for <paramref name="accelerator"/>, with the tile that fits it and the versions asked for.</summary>
    public static IKernelSet Load(Accelerator accelerator, KernelVersions versions) => accelerator.AcceleratorType == AcceleratorType.CPU
        ? new KernelSet<CpuTile>(accelerator, versions, new LaunchCounter())
        : new KernelSet<GpuTile>(accelerator, versions, new LaunchCounter());
}

public sealed class KernelSet<TTile>(Accelerator accelerator, KernelVersions versions, LaunchCounter launches) : IKernelSet where TTile : struct, IGemmTile
{
    private readonly ILinearLauncher _linear = versions.Linear switch
    {
        1 => new LinearLauncher<TTile, Block4x4>(accelerator, launches, fused: Fused(versions)),
        2 => new LinearLauncher<TTile, Block8x8>(accelerator, launches, fused: Fused(versions)),
        _ => throw new ArgumentOutOfRangeException(nameof(versions), versions.Linear, "Kernels:Linear is 1 or 2"),
    };

    private readonly IElboLauncher _elbo = versions.Elbo switch
    {
        1 => new ElboLauncher<TTile, Block4x4>(accelerator, launches),
        2 => new ElboLauncher<TTile, Block8x8>(accelerator, launches),
        _ => throw new ArgumentOutOfRangeException(nameof(versions), versions.Elbo, "Kernels:Elbo is 1 or 2"),
    };

    private readonly ReduceLauncher<TTile> _reduce = new(accelerator, launches);

    // Loaded only where the step is fused: ILGPU compiles a kernel when it is loaded.
    private readonly HeadSampleLauncher<TTile>? _headSample = Fused(versions) ? new(accelerator, launches) : null;

    /// <summary>Whether the step version fuses (2) or runs op by op (1).</summary>
    private static bool Fused(KernelVersions versions) => versions.Step switch
    {
        1 => false,
        2 => true,
        _ => throw new ArgumentOutOfRangeException(nameof(versions), versions.Step, "Kernels:Step is 1 or 2"),
    };

    public KernelVersions Versions { get; } = versions;

    public LaunchCounter Launches { get; } = launches;

    public ReparameterizeLauncher Reparameterize { get; } = new(accelerator, launches);

    public AdamLauncher Adam { get; } = new(accelerator, launches);

    public string Description
    {
        get
        {
            TTile tile = default;
            string Gemm(int version) => version == 1
                ? $"{4 * tile.ThreadsM}×{4 * tile.ThreadsN}×{tile.TileK} tiles, 4×4 per thread"
                : $"{8 * tile.ThreadsM}×{8 * tile.ThreadsN}×{tile.TileK} tiles, 8×8 per thread";
            string step = Fused(Versions) ? "fused" : "op by op";
            return $"linear v{Versions.Linear} ({Gemm(Versions.Linear)}), elbo v{Versions.Elbo} ({Gemm(Versions.Elbo)}), step v{Versions.Step} ({step})";
        }
    }

    public int ElboPartialLength(int rows, int outFeatures) => _elbo.PartialLength(rows, outFeatures);

    public void LinearForward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation) =>
        _linear.Forward(stream, x, w, b, y, rows, inFeatures, outFeatures, activation);

    public void LinearBackward(AcceleratorStream stream, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> dw, ArrayView<float> db, ArrayView<float> dx, bool wantsDx,
        int rows, int inFeatures, int outFeatures, int inputActivation) =>
        _linear.Backward(stream, dy, x, w, dw, db, dx, wantsDx, rows, inFeatures, outFeatures, inputActivation);

    public void ElboOutput(AcceleratorStream stream, ArrayView<float> h, ArrayView<float> w, ArrayView<float> b, ArrayView<float> target,
        ArrayView<double> partial, ArrayView<float> dLogits, ArrayView<float> nll, int rows, int hidden, int outFeatures,
        int likelihood, float sigma, ArrayView<float> logSigma, float gradScale, bool writeGradient) =>
        _elbo.Output(stream, h, w, b, target, partial, dLogits, nll, rows, hidden, outFeatures, likelihood, sigma, logSigma, gradScale, writeGradient);

    public void LogSigmaGradient(AcceleratorStream stream, ArrayView<float> dLogits, ArrayView<float> logSigma, ArrayView<float> dLogSigma,
        int rows, int columns, float gradScale) => _elbo.LogSigmaGradient(stream, dLogits, logSigma, dLogSigma, rows, columns, gradScale);

    public void Sum(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> destination) =>
        _reduce.Sum(stream, source, destination);

    public void GatherRows(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> indices, ArrayView<float> destination,
        int rows, int rowLength) => _reduce.GatherRows(stream, images, indices, destination, rows, rowLength);

    public void GatherBatch(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor, int batchSize,
        ArrayView<float> destination, int rows, int rowLength) =>
        _reduce.GatherBatch(stream, images, order, cursor, batchSize, destination, rows, rowLength);

    public void SumToSlot(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> log, int width, int component,
        ArrayView<uint> cursor) => _reduce.SumToSlot(stream, source, log, width, component, cursor);

    public void AdvanceCounter(AcceleratorStream stream, ArrayView<uint> counter) => _reduce.AdvanceCounter(stream, counter);

    public void GatherBatchLinearForward(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor,
        int batchSize, ArrayView<float> input, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inFeatures, int outFeatures, int activation)
    {
        // The fused kernel writes input from its column tiles: a layer without outputs has none.
        if (Fused(Versions) && rows > 0 && outFeatures > 0)
        {
            _linear.GatherForward(stream, images, order, cursor, batchSize, input, w, b, y, rows, inFeatures, outFeatures, activation);
            return;
        }
        _reduce.GatherBatch(stream, images, order, cursor, batchSize, input, rows, inFeatures);
        _linear.Forward(stream, input, w, b, y, rows, inFeatures, outFeatures, activation);
    }

    public void HeadAndReparameterize(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b,
        ArrayView<float> head, ArrayView<float> z, ArrayView<float> eps, ArrayView<float> kl, ArrayView<uint> counter,
        int rows, int inFeatures, int latent, float logVarMin, float logVarMax, ulong seed, uint noiseStream, float temperature)
    {
        if (_headSample is not null)
        {
            _headSample.Forward(stream, x, w, b, head, z, eps, kl, counter, rows, inFeatures, latent, logVarMin, logVarMax,
                seed, noiseStream, temperature);
            return;
        }
        _linear.Forward(stream, x, w, b, head, rows, inFeatures, 2 * latent, Activations.Identity);
        Reparameterize.Forward(stream, head, z, eps, kl, counter, rows, latent, logVarMin, logVarMax, seed, noiseStream, temperature);
    }

    public void FinishStep(AcceleratorStream stream, ArrayView<float> nll, ArrayView<float> kl, ArrayView<float> log,
        ArrayView<uint> stepCounter, ArrayView<uint> cursor)
    {
        if (Fused(Versions))
        {
            _reduce.FinishStep(stream, nll, kl, log, stepCounter, cursor);
            return;
        }
        _reduce.SumToSlot(stream, nll, log, 2, 0, cursor);
        _reduce.SumToSlot(stream, kl, log, 2, 1, cursor);
        _reduce.AdvanceCounter(stream, stepCounter);
        _reduce.AdvanceCounter(stream, cursor);
    }
}
