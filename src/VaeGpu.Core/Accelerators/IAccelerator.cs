using VaeGpu.Kernels;
namespace VaeGpu.Accelerators;

/// <summary>
/// The ops that a training step is made of (README, "Architecture"), plus buffers. Every accelerator
/// implements all of them; the model and the trainer are written once against this interface.
///
/// Conventions, shared by every implementation:
/// - matrices are row-major; a weight matrix W of a layer with <c>inFeatures</c> inputs and
///   <c>outFeatures</c> outputs is [outFeatures × inFeatures] (PyTorch's layout);
/// - ops run in issue order on one in-order queue; <see cref="Synchronize"/> waits for all of them,
///   and <see cref="Download{T}"/> waits for the ops that came before it;
/// - gradients are written, not accumulated: every parameter is used once per step, so overwriting
///   saves a zero-fill pass over the gradient buffer each step;
/// - the step counter is a one-element device buffer that ops read (noise, Adam's bias correction,
///   the KL warm-up) and <see cref="AdvanceCounter"/> increments, so a captured step stays valid;
/// - shapes are checked on the host, before anything is launched, and throw ArgumentException.
/// </summary>
public interface IAccelerator : IDisposable
{
    /// <summary>What the user sees: "cpu (2 threads, AVX-512)", "opencl: NVIDIA H100", ...</summary>
    string Name { get; }

    /// <summary>The --device value that selects this accelerator again (cpu, cuda:0, opencl:0:1, ilgpu-cpu): what auto resolved to.</summary>
    DeviceRequest Request { get; }

    /// <summary>A buffer of <paramref name="length"/> elements whose contents are undefined until written (zero on the CPU only).</summary>
    DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged;

    void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged;

    void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged;

    /// <summary>Waits until every op issued so far has finished.</summary>
    void Synchronize();

    /// <summary>y[rows × out] = act(x[rows × in] · wᵀ + b), bias and activation fused.</summary>
    void LinearForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation);

    /// <summary>
    /// dw = dyᵀ · x, db = column sums of dy, and when <paramref name="dx"/> is given
    /// dx = (dy · w) ⊙ act'(x), where x is the output of the layer below and
    /// <paramref name="inputActivation"/> its activation (Identity for the network input or z).
    /// </summary>
    void LinearBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx,
        int rows, int inFeatures, int outFeatures, Activation inputActivation);

    /// <summary>
    /// Conv2d on NHWC images (<see cref="ConvShape"/>: PyTorch's size rules, weights [out × k × k × in]):
    /// y[n, oh, ow, oc] = act(Σ_(kh, kw, c) x[n, oh·S − P + kh, ow·S − P + kw, c] · w[oc, kh, kw, c] + b[oc]),
    /// zero outside the image, the taps summed in (kh, kw, c) order.
    /// </summary>
    void Conv2dForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        ConvShape shape, Activation activation);

    /// <summary>
    /// Conv2d's gradients from dy (the output's): dw[oc, tap] = Σ over output positions, db[oc] = Σ dy, and when
    /// <paramref name="dx"/> is given dx = convᵀ(dy, w) ⊙ act'(x), x the layer below's output and
    /// <paramref name="inputActivation"/> its activation.
    /// </summary>
    void Conv2dBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape, Activation inputActivation);

    /// <summary>
    /// ConvTranspose2d from the small image x (shape's output side, OutChannels) to the large y (its input side,
    /// InChannels): the adjoint of <see cref="Conv2dForward"/> with the same weights, plus b and act; PyTorch's
    /// ConvTranspose2d with its weight [in × out × k × k] stored as [in × k × k × out] here.
    /// </summary>
    void ConvTranspose2dForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        ConvShape shape, Activation activation);

    /// <summary>ConvTranspose2d's gradients from dy (large): dw, db (over the large image's positions), and dx (small) ⊙ act'(x) when given.</summary>
    void ConvTranspose2dBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape, Activation inputActivation);

    /// <summary>
    /// A convolutional decoder's last layer and the reconstruction loss in one op, as <see cref="ElboOutput"/>
    /// for a linear one: logits = ConvTranspose2d(h, w) + b (h the small image, the logits the large one, NHWC),
    /// nll[image] = Σ over its pixels and channels of NLL(target | logit), and when <paramref name="dLogits"/> is
    /// given dLogits = gradScale · ∂nll/∂logits. Bernoulli and Gaussian; with a learned σ,
    /// <paramref name="logSigma"/> holds logσ per image channel (shared by every position, as the bias is), and
    /// <see cref="LogSigmaGradient"/> over dLogits as [images·height·width × channels] gives its gradient.
    /// </summary>
    void ConvTranspose2dElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, ConvShape shape, Likelihood likelihood, float gradScale,
        DeviceSpan<float> logSigma = default);

    /// <summary>
    /// BatchNorm2d over NHWC activations y [rows × channels] (rows = images · height · width), then the activation:
    /// output = act(γ·(y − mean)·invstd + β). With <paramref name="training"/>, mean and invstd = 1/√(var + ε) are the
    /// batch's (biased variance), written to <paramref name="statistics"/> [mean | invstd] for the backward, and
    /// <paramref name="running"/> [mean | variance] moves towards them (momentum 0.1, the unbiased variance), as
    /// PyTorch's training mode; without, they come from <paramref name="running"/> (evaluation) and statistics
    /// receives them. Every per-channel sum runs in the fixed order of kernels/Ops/BatchNorm.cs.
    /// </summary>
    void BatchNormForward(DeviceSpan<float> y, DeviceSpan<float> gamma, DeviceSpan<float> beta, DeviceSpan<float> output,
        DeviceSpan<float> statistics, DeviceSpan<float> running, int rows, int channels, Activation activation, bool training);

    /// <summary>
    /// BatchNorm2d's backward in training mode from g = ∂L/∂(γ·x̂ + β) (the layer above already applied act'):
    /// dβ = Σ g, dγ = Σ g·x̂ and dy = γ·invstd·(g − dβ/rows − x̂·dγ/rows), with the batch statistics the forward
    /// wrote. <paramref name="dy"/> may be <paramref name="dOutput"/> itself (in place).
    /// </summary>
    void BatchNormBackward(DeviceSpan<float> dOutput, DeviceSpan<float> y, DeviceSpan<float> gamma, DeviceSpan<float> statistics,
        DeviceSpan<float> dGamma, DeviceSpan<float> dBeta, DeviceSpan<float> dy, int rows, int channels);

    /// <summary>
    /// head [rows × 2L] holds μ in columns [0, L) and logvar in [L, 2L). With lv = clamp(logvar):
    /// eps = T·ε (ε ~ N(0, 1) from Philox, T the temperature), z = μ + exp(½·lv)·eps, and
    /// kl[row] = −½ Σ (1 + lv − μ² − exp(lv)) (the closed form of KL(q ‖ N(0, I))).
    /// </summary>
    void Reparameterize(DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl,
        int rows, int latent, LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter);

    /// <summary>
    /// dHead from dz (already scaled by the caller's 1/rows) and the KL term weighted by
    /// klWeight.At(step) · <paramref name="klScale"/>: dμ = dz + w·μ,
    /// dlv = (dz · ½·exp(½·lv)·eps + w·½·(exp(lv) − 1)) where logvar is inside the clamp, else 0.
    /// </summary>
    void ReparameterizeBackward(DeviceSpan<float> dz, DeviceSpan<float> head, DeviceSpan<float> eps,
        DeviceSpan<float> dHead, int rows, int latent, LogVarClamp clamp, KlWeight klWeight, float klScale,
        DeviceSpan<uint> counter);

    /// <summary>
    /// The decoder's last layer and the reconstruction loss in one op: logits = h · wᵀ + b,
    /// nll[row] = Σ_j NLL(target[row, j] | logits[row, j]), and when <paramref name="dLogits"/> is
    /// given, dLogits = gradScale · ∂nll/∂logits. Logits are not an output. For a Gaussian with σ
    /// learned per feature, <paramref name="logSigma"/> holds logσ per output feature (else none).
    /// </summary>
    void ElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures,
        Likelihood likelihood, float gradScale, DeviceSpan<float> logSigma = default);

    /// <summary>
    /// For a Gaussian with σ learned per feature, after ElboOutput wrote dLogits = gradScale·(μ − x)/σ²:
    /// dLogSigma[j] = Σ_rows gradScale·(1 − (dLogits[r, j]/gradScale)²·σ_j²), rows summed in order.
    /// </summary>
    void LogSigmaGradient(DeviceSpan<float> dLogits, DeviceSpan<float> logSigma, DeviceSpan<float> dLogSigma,
        int rows, int features, float gradScale);

    /// <summary>
    /// Adam over the flat parameter buffer, with t = counter + 1 for the bias correction:
    /// m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
    /// </summary>
    void AdamStep(DeviceSpan<float> parameters, DeviceSpan<float> gradients, DeviceSpan<float> m,
        DeviceSpan<float> v, AdamSettings adam, DeviceSpan<uint> counter);

    /// <summary>
    /// sum[i] = ((shards[0][i] + shards[1][i]) + shards[2][i]) + … for <paramref name="count"/> shards laid out one after
    /// the other in <paramref name="shards"/> [count × sum.Length], left to right in shard order: the gradient of a
    /// data-parallel step (Distributed:Shards), the same bits however many processes computed the shards.
    /// </summary>
    void SumShards(DeviceSpan<float> shards, DeviceSpan<float> sum, int count);

    /// <summary>destination[0] = Σ source[i], summed in an order fixed by the length alone.</summary>
    void Reduce(DeviceSpan<float> source, DeviceSpan<float> destination);

    /// <summary>
    /// destination[i, :] = images[indices[i], :] / 255 for i in [0, rows): a batch from the resident dataset.
    /// A row whose index is outside the image set is NaN on every accelerator (a kernel cannot throw, and a
    /// host-side check would download the indices every step); the training loss check reports it.
    /// </summary>
    void GatherRows(DeviceSpan<byte> images, DeviceSpan<int> indices, DeviceSpan<float> destination,
        int rows, int rowLength);

    /// <summary>
    /// destination[i, :] = images[order[cursor[0]·batchSize + i], :] / 255 for i in [0, rows): the batch
    /// at a device-side cursor into the epoch's order, so that one captured training step (a CUDA graph)
    /// reads the next batch on every replay. An index outside the order or the image set gives NaN rows
    /// on every accelerator (the loss check reports them), as in GatherRows.
    /// </summary>
    void GatherBatch(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
        DeviceSpan<float> destination, int rows, int rowLength);

    /// <summary>
    /// log[(cursor[0] mod (log.Length / width))·width + component] = Σ source, summed in the order of
    /// <see cref="Reduce"/>: a step's loss into its slot of the device-side loss log, the slot read from
    /// the device so that a captured step stays valid.
    /// </summary>
    void ReduceToSlot(DeviceSpan<float> source, DeviceSpan<float> log, int width, int component, DeviceSpan<uint> cursor);

    /// <summary>counter[0] += 1.</summary>
    void AdvanceCounter(DeviceSpan<uint> counter);

    /// <summary>
    /// The batch at the cursor and the first encoder layer in one op: <see cref="GatherBatch"/> into
    /// <paramref name="input"/> (rows × inFeatures, which later ops read), then <see cref="LinearForward"/>
    /// of it into <paramref name="y"/>. A fusion point: the default runs those two ops; an ILGPU accelerator
    /// at `Kernels:Step` 2 reads the bytes straight into the GEMM in one launch (same bits).
    /// </summary>
    void GatherBatchLinearForward(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
        DeviceSpan<float> input, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation) =>
        UnfusedStep.GatherBatchLinearForward(this, images, order, cursor, batchSize, input, w, b, y, rows, inFeatures, outFeatures, activation);

    /// <summary>
    /// The encoder's head and the sample in one op: head = x · wᵀ + b (<see cref="LinearForward"/> with
    /// Identity and 2·latent outputs), then <see cref="Reparameterize"/> of that head. A fusion point: the
    /// default runs those two ops; an ILGPU accelerator at `Kernels:Step` 2 does both in one launch (same bits).
    /// </summary>
    void HeadAndReparameterize(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> head,
        DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl, int rows, int inFeatures, int latent,
        LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter) =>
        UnfusedStep.HeadAndReparameterize(this, x, w, b, head, z, eps, kl, rows, inFeatures, latent, clamp, noise, counter);

    /// <summary>
    /// The end of a training step, after Adam (which reads the step counter): Σ nll and Σ kl into slot
    /// cursor[0] mod (log.Length / 2) of a log of (recon, KL) pairs, as two <see cref="ReduceToSlot"/>, then
    /// stepCounter[0] += 1 and cursor[0] += 1. A fusion point: the default runs those four ops, which keeps
    /// every accelerator and wrapper exact without code of its own; an ILGPU accelerator at `Kernels:Step`
    /// 2 does it all in one launch (same bits).
    /// </summary>
    void FinishStep(DeviceSpan<float> nll, DeviceSpan<float> kl, DeviceSpan<float> log, DeviceSpan<uint> stepCounter,
        DeviceSpan<uint> cursor) =>
        UnfusedStep.FinishStep(this, nll, kl, log, stepCounter, cursor);
}
