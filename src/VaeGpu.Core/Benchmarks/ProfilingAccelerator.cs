using System.Diagnostics;
using VaeGpu.Accelerators;

namespace VaeGpu.Benchmarks;

/// <summary>
/// Where a training step's time goes: wraps an accelerator, waits for each op to finish
/// (Synchronize: a no-op on the CPU, whose ops are synchronous) and adds its wall time to a per-op
/// total. LinearForward, LinearBackward and ElboOutput are split by shape, so each layer is a line.
/// The waiting makes the step slower on a device than it is: the shares are what to read there.
/// </summary>
public sealed class ProfilingAccelerator(IAccelerator inner) : IAccelerator
{
    private readonly Dictionary<string, (long Ticks, long Calls)> _totals = [];

    public string Name => inner.Name;

    /// <summary>(op, seconds, calls) per op and shape, the most expensive first.</summary>
    public IReadOnlyList<(string Op, double Seconds, long Calls)> Totals =>
        _totals.OrderByDescending(t => t.Value.Ticks)
            .Select(t => (t.Key, t.Value.Ticks / (double)Stopwatch.Frequency, t.Value.Calls)).ToList();

    public void Reset() => _totals.Clear();

    private void Time(string op, Action call)
    {
        long start = Stopwatch.GetTimestamp();
        call();
        inner.Synchronize();
        long elapsed = Stopwatch.GetTimestamp() - start;
        _totals[op] = _totals.TryGetValue(op, out var total) ? (total.Ticks + elapsed, total.Calls + 1) : (elapsed, 1);
    }

    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged => inner.Allocate<T>(length);

    public void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged => inner.Upload(destination, source);

    public void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged => inner.Download(source, destination);

    public void Synchronize() => inner.Synchronize();

    public void LinearForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation) =>
        Time($"LinearForward {rows}×{inFeatures}→{outFeatures}", () => inner.LinearForward(x, w, b, y, rows, inFeatures, outFeatures, activation));

    public void LinearBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> dw,
        DeviceSpan<float> db, DeviceSpan<float> dx, int rows, int inFeatures, int outFeatures, Activation inputActivation) =>
        Time($"LinearBackward {rows}×{inFeatures}←{outFeatures}{(dx.IsNone ? " (no dx)" : "")}",
            () => inner.LinearBackward(dy, x, w, dw, db, dx, rows, inFeatures, outFeatures, inputActivation));

    public void Reparameterize(DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl,
        int rows, int latent, LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter) =>
        Time(nameof(Reparameterize), () => inner.Reparameterize(head, z, eps, kl, rows, latent, clamp, noise, counter));

    public void ReparameterizeBackward(DeviceSpan<float> dz, DeviceSpan<float> head, DeviceSpan<float> eps,
        DeviceSpan<float> dHead, int rows, int latent, LogVarClamp clamp, KlWeight klWeight, float klScale, DeviceSpan<uint> counter) =>
        Time(nameof(ReparameterizeBackward), () => inner.ReparameterizeBackward(dz, head, eps, dHead, rows, latent, clamp, klWeight, klScale, counter));

    public void ElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures, Likelihood likelihood, float gradScale,
        DeviceSpan<float> logSigma = default) =>
        Time($"ElboOutput {rows}×{hidden}→{outFeatures}",
            () => inner.ElboOutput(h, w, b, target, nll, dLogits, rows, hidden, outFeatures, likelihood, gradScale, logSigma));

    public void LogSigmaGradient(DeviceSpan<float> dLogits, DeviceSpan<float> logSigma, DeviceSpan<float> dLogSigma,
        int rows, int features, float gradScale) =>
        Time(nameof(LogSigmaGradient), () => inner.LogSigmaGradient(dLogits, logSigma, dLogSigma, rows, features, gradScale));

    public void AdamStep(DeviceSpan<float> parameters, DeviceSpan<float> gradients, DeviceSpan<float> m, DeviceSpan<float> v,
        AdamSettings adam, DeviceSpan<uint> counter) =>
        Time(nameof(AdamStep), () => inner.AdamStep(parameters, gradients, m, v, adam, counter));

    public void Reduce(DeviceSpan<float> source, DeviceSpan<float> destination) => Time(nameof(Reduce), () => inner.Reduce(source, destination));

    public void GatherRows(DeviceSpan<byte> images, DeviceSpan<int> indices, DeviceSpan<float> destination, int rows, int rowLength) =>
        Time(nameof(GatherRows), () => inner.GatherRows(images, indices, destination, rows, rowLength));

    public void GatherBatch(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
        DeviceSpan<float> destination, int rows, int rowLength) =>
        Time(nameof(GatherBatch), () => inner.GatherBatch(images, order, cursor, batchSize, destination, rows, rowLength));

    public void ReduceToSlot(DeviceSpan<float> source, DeviceSpan<float> log, int width, int component, DeviceSpan<uint> cursor) =>
        Time(nameof(ReduceToSlot), () => inner.ReduceToSlot(source, log, width, component, cursor));

    public void AdvanceCounter(DeviceSpan<uint> counter) => Time(nameof(AdvanceCounter), () => inner.AdvanceCounter(counter));

    public void Dispose() => inner.Dispose();
}
