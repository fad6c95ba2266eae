using System.Diagnostics;
using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Random;

namespace VaeGpu.Analysis;

/// <summary>
/// Progress of a long scoring pass: rows (image × sample pairs) done out of the total. The first report
/// comes after about a second of work (<see cref="First"/>), so that a caller can say how long the whole
/// pass will take before most of it has run; then one every progress interval.
/// </summary>
public readonly record struct ScoringProgress(long RowsDone, long RowsTotal, int ExamplesDone, TimeSpan Elapsed, bool First = false)
{
    /// <summary>The time per row so far, extrapolated to <paramref name="rows"/> rows.</summary>
    public TimeSpan Estimate(long rows) => TimeSpan.FromSeconds(Elapsed.TotalSeconds / Math.Max(1, RowsDone) * rows);
}

/// <summary>
/// Per-example scores of a trained model through the op interface alone (so on every accelerator):
/// the −ELBO with sampled z, and −log p(x) by importance sampling (the IWAE bound of Burda et al.
/// 2015) with q(z|x) as the proposal: log p(x) ≈ log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x).
/// </summary>
/// <remarks>
/// The importance pass treats the N·K (image, sample) pairs as one long list, image-major, cut into
/// batches of the workspace size: GatherRows with repeated indices replicates each image, the
/// encoder, Reparameterize (T = 1) and ElboOutput run as in training, and the host downloads the
/// per-row NLL, z, ε and the head to form log w = −nll − ½ Σ_j (z_j² − ε_j² − lv_j), which is
/// log p(x|z) + log p(z) − log q(z|x) with the 2π terms cancelled. The log-sum-exp over an image's K
/// weights runs on the host in double, streaming (running maximum), so an image's samples may span
/// batches. Noise: Philox stream <see cref="NoiseStreams.ImportanceSamples"/> with the batch index as
/// its step, so a figure is reproducible for a given seed, data and batch size.
/// </remarks>
public sealed class ExampleScorer : IDisposable
{
    private readonly VaeModel _model;
    private readonly ulong _seed;
    private readonly DeviceImages _images;
    private readonly DeviceBuffer<int> _indices;
    private readonly DeviceBuffer<uint> _batchCounter;
    private readonly VaeWorkspace _workspace;

    public ExampleScorer(VaeModel model, ImageSet images, int batchSize, ulong seed)
    {
        if (images.PixelsPerImage != model.Layout.InputSize)
            throw new ArgumentException($"images have {images.PixelsPerImage} pixels, the model takes {model.Layout.InputSize}");
        IAccelerator accelerator = model.Accelerator;
        _model = model;
        _seed = seed;
        _images = new DeviceImages(accelerator, images);
        _workspace = new VaeWorkspace(accelerator, model.Layout, Math.Max(1, batchSize));
        _indices = accelerator.Allocate<int>(_workspace.MaxRows);
        _batchCounter = accelerator.Allocate<uint>(1);
    }

    public int Count => _images.Count;

    /// <summary>Per-image reconstruction NLL and KL with one sampled z: <see cref="Evaluator.PerExample"/>, on the images this scorer already uploaded.</summary>
    public ElboScores Elbo()
    {
        using var evaluator = new Evaluator(_model, _images, _workspace.MaxRows, _seed);
        return evaluator.PerExample();
    }

    /// <summary>The time to the first progress report: long enough to measure, short enough to come before the wait.</summary>
    public static readonly TimeSpan FirstReportAfter = TimeSpan.FromSeconds(1);

    /// <summary>Per-image importance-sampled −log p(x) in nats with <paramref name="samples"/> samples each.</summary>
    /// <param name="stopAfter">Asked with the batches done after each one; true ends the pass with an <see cref="OperationCanceledException"/> (Ctrl-C, SIGTERM).</param>
    public double[] NegativeLogLikelihood(int samples, Action<ScoringProgress>? progress = null, TimeSpan? progressEvery = null,
        Func<long, bool>? stopAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        IAccelerator accelerator = _model.Accelerator;
        VaeLayout layout = _model.Layout;
        LogVarClamp clamp = layout.Architecture.LogVarClamp;
        int latent = layout.Latent, n = _images.Count, batchRows = _workspace.MaxRows;
        var noise = new NoiseSource(_seed, NoiseStreams.ImportanceSamples);
        long total = (long)n * samples;
        long batches = (total + batchRows - 1) / batchRows;
        if (batches > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "too many batches for the 32-bit noise step");

        var max = new double[n];
        var sum = new double[n];
        Array.Fill(max, double.NegativeInfinity);
        var indices = new int[batchRows];
        var nll = new float[batchRows];
        var z = new float[batchRows * latent];
        var eps = new float[batchRows * latent];
        var head = new float[batchRows * 2 * latent];
        var clock = Stopwatch.StartNew();
        TimeSpan every = progressEvery ?? TimeSpan.FromSeconds(10), next = TimeSpan.Zero < every && every < FirstReportAfter ? every : FirstReportAfter;
        bool first = true;

        for (long batch = 0; batch < batches; batch++)
        {
            long start = batch * batchRows;
            int rows = (int)Math.Min(batchRows, total - start);
            for (int i = 0; i < rows; i++) indices[i] = (int)((start + i) / samples);
            accelerator.Upload<int>(_indices.Slice(0, rows), indices.AsSpan(0, rows));
            accelerator.Upload<uint>(_batchCounter, [(uint)batch]);
            _images.Gather(_indices.Slice(0, rows), indices.AsSpan(0, rows), _workspace.Input(rows), rows);
            VaePasses.Loss(_model, _workspace, rows, noise, _batchCounter, withGradient: false);
            accelerator.Download(_workspace.Nll(rows), nll.AsSpan(0, rows));
            accelerator.Download(_workspace.Z(rows), z.AsSpan(0, rows * latent));
            accelerator.Download(_workspace.Eps(rows), eps.AsSpan(0, rows * latent));
            accelerator.Download(_workspace.Head(rows), head.AsSpan(0, rows * 2 * latent));
            for (int i = 0; i < rows; i++)
            {
                double logWeight = LogWeight(nll[i], z.AsSpan(i * latent, latent), eps.AsSpan(i * latent, latent),
                    head.AsSpan(i * 2 * latent + latent, latent), clamp);
                int example = indices[i];
                // Streaming log-sum-exp: sum holds Σ exp(log w − max).
                if (logWeight > max[example])
                {
                    sum[example] = sum[example] * Math.Exp(max[example] - logWeight) + 1.0;
                    max[example] = logWeight;
                }
                else
                {
                    sum[example] += Math.Exp(logWeight - max[example]);
                }
            }
            if (progress is not null && clock.Elapsed >= next)
            {
                next = clock.Elapsed + every;
                long done = start + rows;
                progress(new ScoringProgress(done, total, (int)(done / samples), clock.Elapsed, first));
                first = false;
            }
            if (stopAfter is not null && batch + 1 < batches && stopAfter(batch + 1))
                throw new OperationCanceledException($"stopped after {start + rows:N0} of {total:N0} importance-sampling rows");
        }

        double logK = Math.Log(samples);
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = -(max[i] + Math.Log(sum[i]) - logK);
        return result;
    }

    /// <summary>log p(x|z) + log p(z) − log q(z|x) for one sample, from what the ops leave in the workspace.</summary>
    public static double LogWeight(float nll, ReadOnlySpan<float> z, ReadOnlySpan<float> eps, ReadOnlySpan<float> logVar, LogVarClamp clamp)
    {
        double quadratic = 0;
        for (int j = 0; j < z.Length; j++)
        {
            double zj = z[j], ej = eps[j];
            quadratic += zj * zj - ej * ej - clamp.Apply(logVar[j]);
        }
        return -nll - 0.5 * quadratic;
    }

    public void Dispose()
    {
        _batchCounter.Dispose();
        _indices.Dispose();
        _workspace.Dispose();
        _images.Dispose();
    }
}
