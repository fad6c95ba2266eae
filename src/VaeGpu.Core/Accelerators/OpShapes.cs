using VaeGpu.Kernels;
namespace VaeGpu.Accelerators;

/// <summary>
/// Host-side shape checks shared by every accelerator: each op validates its arguments here before
/// anything runs, so a wrong shape is an ArgumentException naming the op and operand, never a
/// kernel reading out of bounds.
/// </summary>
public static class OpShapes
{
    public static void Require<T>(string op, string operand, DeviceSpan<T> span, long expectedLength, IAccelerator owner)
        where T : unmanaged
    {
        if (span.IsNone)
            throw new ArgumentException($"{op}: {operand} is required");
        if (!ReferenceEquals(span.Buffer!.Owner, owner))
            throw new ArgumentException($"{op}: {operand} belongs to another accelerator ({span.Buffer.Owner.Name})");
        if (span.Buffer.IsDisposed)
            throw new ObjectDisposedException($"{op}: {operand}");
        if (span.Length != expectedLength)
            throw new ArgumentException($"{op}: {operand} has {span.Length} elements, expected {expectedLength}");
    }

    /// <summary>Like <see cref="Require{T}"/> but accepts <c>default</c> (the output is not wanted).</summary>
    public static bool Optional<T>(string op, string operand, DeviceSpan<T> span, long expectedLength, IAccelerator owner)
        where T : unmanaged
    {
        if (span.IsNone) return false;
        Require(op, operand, span, expectedLength, owner);
        return true;
    }

    public static void Positive(string op, string name, int value, bool allowZero = false)
    {
        if (value < 0 || (value == 0 && !allowZero))
            throw new ArgumentOutOfRangeException(name, value, $"{op}: {name} must be {(allowZero ? "≥ 0" : "> 0")}");
    }

    public static void LinearForward(IAccelerator owner, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b,
        DeviceSpan<float> y, int rows, int inFeatures, int outFeatures)
    {
        const string op = nameof(IAccelerator.LinearForward);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(inFeatures), inFeatures);
        Positive(op, nameof(outFeatures), outFeatures);
        Require(op, "x", x, (long)rows * inFeatures, owner);
        Require(op, "w", w, (long)outFeatures * inFeatures, owner);
        Require(op, "b", b, outFeatures, owner);
        Require(op, "y", y, (long)rows * outFeatures, owner);
    }

    /// <summary>Returns whether dx is wanted.</summary>
    public static bool LinearBackward(IAccelerator owner, DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx, int rows, int inFeatures, int outFeatures)
    {
        const string op = nameof(IAccelerator.LinearBackward);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(inFeatures), inFeatures);
        Positive(op, nameof(outFeatures), outFeatures);
        Require(op, "dy", dy, (long)rows * outFeatures, owner);
        Require(op, "x", x, (long)rows * inFeatures, owner);
        Require(op, "w", w, (long)outFeatures * inFeatures, owner);
        Require(op, "dw", dw, (long)outFeatures * inFeatures, owner);
        Require(op, "db", db, outFeatures, owner);
        return Optional(op, "dx", dx, (long)rows * inFeatures, owner);
    }

    public static void BatchNormForward(IAccelerator owner, DeviceSpan<float> y, DeviceSpan<float> gamma, DeviceSpan<float> beta,
        DeviceSpan<float> output, DeviceSpan<float> statistics, DeviceSpan<float> running, int rows, int channels)
    {
        const string op = nameof(IAccelerator.BatchNormForward);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(channels), channels);
        Require(op, "y", y, (long)rows * channels, owner);
        Require(op, "gamma", gamma, channels, owner);
        Require(op, "beta", beta, channels, owner);
        Require(op, "output", output, (long)rows * channels, owner);
        Require(op, "statistics", statistics, 2L * channels, owner);
        Require(op, "running", running, 2L * channels, owner);
    }

    public static void BatchNormBackward(IAccelerator owner, DeviceSpan<float> dOutput, DeviceSpan<float> y, DeviceSpan<float> gamma,
        DeviceSpan<float> statistics, DeviceSpan<float> dGamma, DeviceSpan<float> dBeta, DeviceSpan<float> dy, int rows, int channels)
    {
        const string op = nameof(IAccelerator.BatchNormBackward);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(channels), channels);
        Require(op, "dOutput", dOutput, (long)rows * channels, owner);
        Require(op, "y", y, (long)rows * channels, owner);
        Require(op, "gamma", gamma, channels, owner);
        Require(op, "statistics", statistics, 2L * channels, owner);
        Require(op, "dGamma", dGamma, channels, owner);
        Require(op, "dBeta", dBeta, channels, owner);
        Require(op, "dy", dy, (long)rows * channels, owner);
    }

    /// <summary>Conv2d forward: x the large image, y the small one.</summary>
    public static void Conv2dForward(IAccelerator owner, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b,
        DeviceSpan<float> y, ConvShape shape) =>
        ConvForward(nameof(IAccelerator.Conv2dForward), owner, x, w, b, y, shape.InputLength, shape.OutChannels, shape.OutputLength, shape);

    /// <summary>ConvTranspose2d forward: x the small image, y the large one. </summary>
    public static void ConvTranspose2dForward(IAccelerator owner, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b,
        DeviceSpan<float> y, ConvShape shape) =>
        ConvForward(nameof(IAccelerator.ConvTranspose2dForward), owner, x, w, b, y, shape.OutputLength, shape.InChannels, shape.InputLength, shape);

    /// <summary>Conv2d backward; returns whether dx is wanted.</summary>
    public static bool Conv2dBackward(IAccelerator owner, DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape)
    {
        const string op = nameof(IAccelerator.Conv2dBackward);
        Require(op, "dy", dy, shape.OutputLength, owner);
        Require(op, "x", x, shape.InputLength, owner);
        Require(op, "w", w, shape.WeightCount, owner);
        Require(op, "dw", dw, shape.WeightCount, owner);
        Require(op, "db", db, shape.OutChannels, owner);
        return Optional(op, "dx", dx, shape.InputLength, owner);
    }

    /// <summary>ConvTranspose2d backward (dy large, x small); returns whether dx is wanted.</summary>
    public static bool ConvTranspose2dBackward(IAccelerator owner, DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape)
    {
        const string op = nameof(IAccelerator.ConvTranspose2dBackward);
        Require(op, "dy", dy, shape.InputLength, owner);
        Require(op, "x", x, shape.OutputLength, owner);
        Require(op, "w", w, shape.WeightCount, owner);
        Require(op, "dw", dw, shape.WeightCount, owner);
        Require(op, "db", db, shape.InChannels, owner);
        return Optional(op, "dx", dx, shape.OutputLength, owner);
    }

    /// <summary>The fused transposed convolution and loss; returns whether dLogits is wanted.</summary>
    public static bool ConvTranspose2dElboOutput(IAccelerator owner, DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b,
        DeviceSpan<float> target, DeviceSpan<float> nll, DeviceSpan<float> dLogits, ConvShape shape, Likelihood likelihood,
        DeviceSpan<float> logSigma)
    {
        const string op = nameof(IAccelerator.ConvTranspose2dElboOutput);
        ConvForward(op, owner, h, w, b, target, shape.OutputLength, shape.InChannels, shape.InputLength, shape, "h", "target");
        Require(op, "nll", nll, shape.Batch, owner);
        LikelihoodInputs(op, owner, likelihood, logSigma, shape.InChannels);
        return Optional(op, "dLogits", dLogits, shape.InputLength, owner);
    }

    private static void ConvForward(string op, IAccelerator owner, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b,
        DeviceSpan<float> y, long xLength, int biasLength, long yLength, ConvShape shape, string xName = "x", string yName = "y")
    {
        Require(op, xName, x, xLength, owner);
        Require(op, "w", w, shape.WeightCount, owner);
        Require(op, "b", b, biasLength, owner);
        Require(op, yName, y, yLength, owner);
    }

    public static void Reparameterize(IAccelerator owner, DeviceSpan<float> head, DeviceSpan<float> z,
        DeviceSpan<float> eps, DeviceSpan<float> kl, int rows, int latent, LogVarClamp clamp, DeviceSpan<uint> counter)
    {
        const string op = nameof(IAccelerator.Reparameterize);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(latent), latent);
        Require(op, "head", head, 2L * rows * latent, owner);
        Require(op, "z", z, (long)rows * latent, owner);
        Require(op, "eps", eps, (long)rows * latent, owner);
        Require(op, "kl", kl, rows, owner);
        Require(op, "counter", counter, 1, owner);
        Clamp(op, clamp);
    }

    public static void ReparameterizeBackward(IAccelerator owner, DeviceSpan<float> dz, DeviceSpan<float> head,
        DeviceSpan<float> eps, DeviceSpan<float> dHead, int rows, int latent, LogVarClamp clamp, DeviceSpan<uint> counter)
    {
        const string op = nameof(IAccelerator.ReparameterizeBackward);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(latent), latent);
        Require(op, "dz", dz, (long)rows * latent, owner);
        Require(op, "head", head, 2L * rows * latent, owner);
        Require(op, "eps", eps, (long)rows * latent, owner);
        Require(op, "dHead", dHead, 2L * rows * latent, owner);
        Require(op, "counter", counter, 1, owner);
        Clamp(op, clamp);
    }

    /// <summary>Returns whether dLogits is wanted.</summary>
    public static bool ElboOutput(IAccelerator owner, DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b,
        DeviceSpan<float> target, DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures,
        Likelihood likelihood, DeviceSpan<float> logSigma = default)
    {
        const string op = nameof(IAccelerator.ElboOutput);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(hidden), hidden);
        Positive(op, nameof(outFeatures), outFeatures);
        Require(op, "h", h, (long)rows * hidden, owner);
        Require(op, "w", w, (long)outFeatures * hidden, owner);
        Require(op, "b", b, outFeatures, owner);
        Require(op, "target", target, (long)rows * outFeatures, owner);
        Require(op, "nll", nll, rows, owner);
        LikelihoodInputs(op, owner, likelihood, logSigma, outFeatures);
        return Optional(op, "dLogits", dLogits, (long)rows * outFeatures, owner);
    }

    /// <summary>
    /// The loss ops' likelihood inputs: a Gaussian's σ is positive and finite; logσ is given, one per
    /// <paramref name="sigmas"/> (features or image channels), exactly when σ is learned.
    /// </summary>
    private static void LikelihoodInputs(string op, IAccelerator owner, Likelihood likelihood, DeviceSpan<float> logSigma, int sigmas)
    {
        if (likelihood.Kind is LikelihoodKind.Gaussian or LikelihoodKind.GaussianLearned
            && !(likelihood.Sigma > 0 && float.IsFinite(likelihood.Sigma)))
            throw new ArgumentOutOfRangeException(nameof(likelihood), likelihood.Sigma, $"{op}: Gaussian sigma must be > 0");
        if (likelihood.LearnsSigma) Require(op, "logSigma", logSigma, sigmas, owner);
        else if (!logSigma.IsNone) throw new ArgumentException($"{op}: logSigma is only for a Gaussian with learned σ");
    }

    public static void LogSigmaGradient(IAccelerator owner, DeviceSpan<float> dLogits, DeviceSpan<float> logSigma,
        DeviceSpan<float> dLogSigma, int rows, int features, float gradScale)
    {
        const string op = nameof(IAccelerator.LogSigmaGradient);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(features), features);
        if (gradScale == 0 || !float.IsFinite(gradScale))
            throw new ArgumentOutOfRangeException(nameof(gradScale), gradScale, $"{op}: gradScale must be finite and not 0");
        Require(op, "dLogits", dLogits, (long)rows * features, owner);
        Require(op, "logSigma", logSigma, features, owner);
        Require(op, "dLogSigma", dLogSigma, features, owner);
    }

    public static void AdamStep(IAccelerator owner, DeviceSpan<float> parameters, DeviceSpan<float> gradients,
        DeviceSpan<float> m, DeviceSpan<float> v, DeviceSpan<uint> counter)
    {
        const string op = nameof(IAccelerator.AdamStep);
        Require(op, "parameters", parameters, parameters.Length, owner);
        Require(op, "gradients", gradients, parameters.Length, owner);
        Require(op, "m", m, parameters.Length, owner);
        Require(op, "v", v, parameters.Length, owner);
        Require(op, "counter", counter, 1, owner);
    }

    public static void SumShards(IAccelerator owner, DeviceSpan<float> shards, DeviceSpan<float> sum, int count)
    {
        const string op = nameof(IAccelerator.SumShards);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"{op}: count must be at least 1");
        Require(op, "sum", sum, sum.Length, owner);
        Require(op, "shards", shards, (long)count * sum.Length, owner);
    }

    public static void GatherBatch(IAccelerator owner, DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor,
        int batchSize, DeviceSpan<float> destination, int rows, int rowLength)
    {
        const string op = nameof(IAccelerator.GatherBatch);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(batchSize), batchSize);
        Positive(op, nameof(rowLength), rowLength);
        if (rows > batchSize) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"{op}: rows exceed the batch size {batchSize}");
        if (images.IsNone || images.Length % rowLength != 0)
            throw new ArgumentException($"{op}: images has {images.Length} bytes, not a whole number of rows of {rowLength}");
        Require(op, "images", images, images.Length, owner);
        Require(op, "order", order, order.Length, owner);
        Require(op, "cursor", cursor, 1, owner);
        Require(op, "destination", destination, (long)rows * rowLength, owner);
    }

    public static void ReduceToSlot(IAccelerator owner, DeviceSpan<float> source, DeviceSpan<float> log, int width, int component,
        DeviceSpan<uint> cursor)
    {
        const string op = nameof(IAccelerator.ReduceToSlot);
        Positive(op, nameof(width), width);
        if (component < 0 || component >= width)
            throw new ArgumentOutOfRangeException(nameof(component), component, $"{op}: component must be in [0, {width})");
        Require(op, "source", source, source.Length, owner);
        Slots(op, log, width, owner);
        Require(op, "cursor", cursor, 1, owner);
    }

    /// <summary>FinishStep: nll and kl of one length, a log of (recon, KL) pairs, two one-element counters.</summary>
    public static void FinishStep(IAccelerator owner, DeviceSpan<float> nll, DeviceSpan<float> kl, DeviceSpan<float> log,
        DeviceSpan<uint> stepCounter, DeviceSpan<uint> cursor)
    {
        const string op = nameof(IAccelerator.FinishStep);
        Require(op, "nll", nll, nll.Length, owner);
        Require(op, "kl", kl, nll.Length, owner);
        Slots(op, log, 2, owner);
        Require(op, "stepCounter", stepCounter, 1, owner);
        Require(op, "cursor", cursor, 1, owner);
    }

    private static void Slots(string op, DeviceSpan<float> log, int width, IAccelerator owner)
    {
        if (log.IsNone || log.Length == 0 || log.Length % width != 0)
            throw new ArgumentException($"{op}: log has {log.Length} elements, not a whole number of slots of {width}");
        Require(op, "log", log, log.Length, owner);
    }

    public static void GatherRows(IAccelerator owner, DeviceSpan<byte> images, DeviceSpan<int> indices,
        DeviceSpan<float> destination, int rows, int rowLength)
    {
        const string op = nameof(IAccelerator.GatherRows);
        Positive(op, nameof(rows), rows, allowZero: true);
        Positive(op, nameof(rowLength), rowLength);
        if (images.IsNone || images.Length % rowLength != 0)
            throw new ArgumentException($"{op}: images has {images.Length} bytes, not a whole number of rows of {rowLength}");
        Require(op, "images", images, images.Length, owner);
        Require(op, "indices", indices, rows, owner);
        Require(op, "destination", destination, (long)rows * rowLength, owner);
    }

    private static void Clamp(string op, LogVarClamp clamp)
    {
        if (!(clamp.Min < clamp.Max))
            throw new ArgumentException($"{op}: logvar clamp [{clamp.Min}, {clamp.Max}] is empty");
    }
}
