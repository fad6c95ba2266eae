using VaeGpu.Kernels;
namespace VaeGpu.Accelerators;

/// <summary>
/// An accelerator that hands every call to another one, through one hook per kind of call: the base of
/// the wrappers that profile ops (ProfilingAccelerator), record them as a capture would (tests) or count
/// transfers (tests). Each op passes its name, with the shape for the GEMM ops ("LinearForward 128×784→400"),
/// and the call to make.
/// </summary>
public abstract class ForwardingAccelerator(IAccelerator inner) : IAccelerator
{
    protected IAccelerator Inner { get; } = inner;

    public virtual string Name => Inner.Name;

    public DeviceRequest Request => Inner.Request;

    /// <summary>Every op goes through here; the default runs it.</summary>
    protected virtual void Op(string name, Action call) => call();

    public virtual DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged => Inner.Allocate<T>(length);

    public virtual void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged => Inner.Upload(destination, source);

    public virtual void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged => Inner.Download(source, destination);

    public virtual void Synchronize() => Inner.Synchronize();

    public void LinearForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation) =>
        Op($"LinearForward {rows}×{inFeatures}→{outFeatures}", () => Inner.LinearForward(x, w, b, y, rows, inFeatures, outFeatures, activation));

    public void LinearBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> dw,
        DeviceSpan<float> db, DeviceSpan<float> dx, int rows, int inFeatures, int outFeatures, Activation inputActivation) =>
        Op($"LinearBackward {rows}×{inFeatures}←{outFeatures}{(dx.IsNone ? " (no dx)" : "")}",
            () => Inner.LinearBackward(dy, x, w, dw, db, dx, rows, inFeatures, outFeatures, inputActivation));

    public void Conv2dForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        ConvShape shape, Activation activation) =>
        Op($"Conv2dForward {shape}", () => Inner.Conv2dForward(x, w, b, y, shape, activation));

    public void Conv2dBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> dw,
        DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape, Activation inputActivation) =>
        Op($"Conv2dBackward {shape}{(dx.IsNone ? " (no dx)" : "")}", () => Inner.Conv2dBackward(dy, x, w, dw, db, dx, shape, inputActivation));

    public void ConvTranspose2dForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        ConvShape shape, Activation activation) =>
        Op($"ConvTranspose2dForward {shape}", () => Inner.ConvTranspose2dForward(x, w, b, y, shape, activation));

    public void ConvTranspose2dBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> dw,
        DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape, Activation inputActivation) =>
        Op($"ConvTranspose2dBackward {shape}{(dx.IsNone ? " (no dx)" : "")}",
            () => Inner.ConvTranspose2dBackward(dy, x, w, dw, db, dx, shape, inputActivation));

    public void ConvTranspose2dElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, ConvShape shape, Likelihood likelihood, float gradScale,
        DeviceSpan<float> logSigma = default) =>
        Op($"ConvTranspose2dElboOutput {shape}", () => Inner.ConvTranspose2dElboOutput(h, w, b, target, nll, dLogits, shape, likelihood, gradScale, logSigma));

    public void BatchNormForward(DeviceSpan<float> y, DeviceSpan<float> gamma, DeviceSpan<float> beta, DeviceSpan<float> output,
        DeviceSpan<float> statistics, DeviceSpan<float> running, int rows, int channels, Activation activation, bool training) =>
        Op($"BatchNormForward {rows}×{channels}{(training ? "" : " (running statistics)")}",
            () => Inner.BatchNormForward(y, gamma, beta, output, statistics, running, rows, channels, activation, training));

    public void BatchNormBackward(DeviceSpan<float> dOutput, DeviceSpan<float> y, DeviceSpan<float> gamma, DeviceSpan<float> statistics,
        DeviceSpan<float> dGamma, DeviceSpan<float> dBeta, DeviceSpan<float> dy, int rows, int channels) =>
        Op($"BatchNormBackward {rows}×{channels}", () => Inner.BatchNormBackward(dOutput, y, gamma, statistics, dGamma, dBeta, dy, rows, channels));

    public void Reparameterize(DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl,
        int rows, int latent, LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter) =>
        Op(nameof(Reparameterize), () => Inner.Reparameterize(head, z, eps, kl, rows, latent, clamp, noise, counter));

    public void ReparameterizeBackward(DeviceSpan<float> dz, DeviceSpan<float> head, DeviceSpan<float> eps,
        DeviceSpan<float> dHead, int rows, int latent, LogVarClamp clamp, KlWeight klWeight, float klScale, DeviceSpan<uint> counter) =>
        Op(nameof(ReparameterizeBackward), () => Inner.ReparameterizeBackward(dz, head, eps, dHead, rows, latent, clamp, klWeight, klScale, counter));

    public void ElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures, Likelihood likelihood, float gradScale,
        DeviceSpan<float> logSigma = default) =>
        Op($"ElboOutput {rows}×{hidden}→{outFeatures}",
            () => Inner.ElboOutput(h, w, b, target, nll, dLogits, rows, hidden, outFeatures, likelihood, gradScale, logSigma));

    public void LogSigmaGradient(DeviceSpan<float> dLogits, DeviceSpan<float> logSigma, DeviceSpan<float> dLogSigma,
        int rows, int features, float gradScale) =>
        Op(nameof(LogSigmaGradient), () => Inner.LogSigmaGradient(dLogits, logSigma, dLogSigma, rows, features, gradScale));

    public void AdamStep(DeviceSpan<float> parameters, DeviceSpan<float> gradients, DeviceSpan<float> m, DeviceSpan<float> v,
        AdamSettings adam, DeviceSpan<uint> counter) =>
        Op(nameof(AdamStep), () => Inner.AdamStep(parameters, gradients, m, v, adam, counter));

    public void SumShards(DeviceSpan<float> shards, DeviceSpan<float> sum, int count) =>
        Op(nameof(SumShards), () => Inner.SumShards(shards, sum, count));

    public void Reduce(DeviceSpan<float> source, DeviceSpan<float> destination) => Op(nameof(Reduce), () => Inner.Reduce(source, destination));

    public void GatherRows(DeviceSpan<byte> images, DeviceSpan<int> indices, DeviceSpan<float> destination, int rows, int rowLength) =>
        Op(nameof(GatherRows), () => Inner.GatherRows(images, indices, destination, rows, rowLength));

    public void GatherBatch(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
        DeviceSpan<float> destination, int rows, int rowLength) =>
        Op(nameof(GatherBatch), () => Inner.GatherBatch(images, order, cursor, batchSize, destination, rows, rowLength));

    public void ReduceToSlot(DeviceSpan<float> source, DeviceSpan<float> log, int width, int component, DeviceSpan<uint> cursor) =>
        Op(nameof(ReduceToSlot), () => Inner.ReduceToSlot(source, log, width, component, cursor));

    public void AdvanceCounter(DeviceSpan<uint> counter) => Op(nameof(AdvanceCounter), () => Inner.AdvanceCounter(counter));

    // The fusion points are forwarded, not left to the interface's defaults: the inner accelerator may fuse
    // them (an ILGPU step version 2).
    public void GatherBatchLinearForward(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
        DeviceSpan<float> input, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation) =>
        Op($"GatherBatchLinearForward {rows}×{inFeatures}→{outFeatures}",
            () => Inner.GatherBatchLinearForward(images, order, cursor, batchSize, input, w, b, y, rows, inFeatures, outFeatures, activation));

    public void HeadAndReparameterize(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> head,
        DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl, int rows, int inFeatures, int latent,
        LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter) =>
        Op($"HeadAndReparameterize {rows}×{inFeatures}→2×{latent}",
            () => Inner.HeadAndReparameterize(x, w, b, head, z, eps, kl, rows, inFeatures, latent, clamp, noise, counter));

    public void FinishStep(DeviceSpan<float> nll, DeviceSpan<float> kl, DeviceSpan<float> log, DeviceSpan<uint> stepCounter,
        DeviceSpan<uint> cursor) =>
        Op(nameof(FinishStep), () => Inner.FinishStep(nll, kl, log, stepCounter, cursor));

    public virtual void Dispose() => Inner.Dispose();
}
