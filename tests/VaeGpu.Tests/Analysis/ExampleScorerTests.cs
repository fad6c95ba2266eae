using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Analysis;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Tests.Training;
using VaeGpu.Training;

namespace VaeGpu.Tests.Analysis;

/// <summary>The scorer uploads the test set once: its −ELBO pass reuses the images the importance pass uses.</summary>
public sealed class ExampleScorerTests
{
    [Fact]
    public void Elbo_reuses_the_scorers_images_instead_of_uploading_them_again()
    {
        ImageSet test = TrainingFixtures.EmbeddedData.Test.Slice(0, 50);
        using var cpu = new CpuAccelerator();
        IAccelerator counting = CountingAccelerator.Wrap(cpu, out CountingAccelerator counter);
        using var model = new VaeModel(counting, TrainingFixtures.SmallArchitecture());
        model.Initialize(3);

        using var scorer = new ExampleScorer(model, test, 20, seed: 3);
        int afterConstruction = counter.ByteUploads;
        ElboScores scores = scorer.Elbo();

        Assert.Equal(1, afterConstruction);
        Assert.Equal(afterConstruction, counter.ByteUploads);
        using var evaluator = new Evaluator(model, test, 20, seed: 3); // the same figures as a standalone evaluator
        Assert.Equal(evaluator.PerExample().Recon, scores.Recon);
    }

    /// <summary>An IAccelerator that forwards every call and counts byte uploads (the image sets).</summary>
    private sealed class CountingAccelerator(IAccelerator inner) : IAccelerator
    {
        public int ByteUploads { get; private set; }

        public static IAccelerator Wrap(IAccelerator inner, out CountingAccelerator counter) => counter = new CountingAccelerator(inner);

        public string Name => inner.Name;
        public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged => inner.Allocate<T>(length);
        public void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged
        {
            if (typeof(T) == typeof(byte)) ByteUploads++;
            inner.Upload(destination, source);
        }
        public void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged => inner.Download(source, destination);
        public void Synchronize() => inner.Synchronize();
        public void LinearForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
            int rows, int inFeatures, int outFeatures, Activation activation) =>
            inner.LinearForward(x, w, b, y, rows, inFeatures, outFeatures, activation);
        public void LinearBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> dw,
            DeviceSpan<float> db, DeviceSpan<float> dx, int rows, int inFeatures, int outFeatures, Activation inputActivation) =>
            inner.LinearBackward(dy, x, w, dw, db, dx, rows, inFeatures, outFeatures, inputActivation);
        public void Reparameterize(DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl,
            int rows, int latent, LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter) =>
            inner.Reparameterize(head, z, eps, kl, rows, latent, clamp, noise, counter);
        public void ReparameterizeBackward(DeviceSpan<float> dz, DeviceSpan<float> head, DeviceSpan<float> eps,
            DeviceSpan<float> dHead, int rows, int latent, LogVarClamp clamp, KlWeight klWeight, float klScale, DeviceSpan<uint> counter) =>
            inner.ReparameterizeBackward(dz, head, eps, dHead, rows, latent, clamp, klWeight, klScale, counter);
        public void ElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
            DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures, Likelihood likelihood, float gradScale,
            DeviceSpan<float> logSigma = default) =>
            inner.ElboOutput(h, w, b, target, nll, dLogits, rows, hidden, outFeatures, likelihood, gradScale, logSigma);
        public void LogSigmaGradient(DeviceSpan<float> dLogits, DeviceSpan<float> logSigma, DeviceSpan<float> dLogSigma,
            int rows, int features, float gradScale) => inner.LogSigmaGradient(dLogits, logSigma, dLogSigma, rows, features, gradScale);
        public void GatherBatch(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
            DeviceSpan<float> destination, int rows, int rowLength) => inner.GatherBatch(images, order, cursor, batchSize, destination, rows, rowLength);
        public void ReduceToSlot(DeviceSpan<float> source, DeviceSpan<float> log, int width, int component, DeviceSpan<uint> cursor) =>
            inner.ReduceToSlot(source, log, width, component, cursor);
        public void AdamStep(DeviceSpan<float> parameters, DeviceSpan<float> gradients, DeviceSpan<float> m,
            DeviceSpan<float> v, AdamSettings adam, DeviceSpan<uint> counter) => inner.AdamStep(parameters, gradients, m, v, adam, counter);
        public void Reduce(DeviceSpan<float> source, DeviceSpan<float> destination) => inner.Reduce(source, destination);
        public void GatherRows(DeviceSpan<byte> images, DeviceSpan<int> indices, DeviceSpan<float> destination, int rows, int rowLength) =>
            inner.GatherRows(images, indices, destination, rows, rowLength);
        public void AdvanceCounter(DeviceSpan<uint> counter) => inner.AdvanceCounter(counter);
        public void Dispose() { }
    }
}
