using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Random;

namespace VaeGpu.Training;

/// <summary>
/// Test −ELBO of a model with sampled z (as the reference PyTorch example reports it). The noise is
/// Philox stream <see cref="NoiseStreams.EvalNoise"/> with the batch index as its step, so the same
/// model on the same data always gets the same figure, on every accelerator. The per-image terms
/// (<see cref="PerExample"/>) are what anomaly scores and eval.json are made of; the test −ELBO is their mean.
/// </summary>
public sealed class Evaluator : IDisposable
{
    private readonly VaeModel _model;
    private readonly ulong _seed;
    private readonly DeviceImages _images;
    private readonly bool _ownsImages;
    private readonly DeviceBuffer<int> _identity;
    private readonly int[] _hostIdentity;
    private readonly DeviceBuffer<uint> _batchCounter;
    private readonly VaeWorkspace _workspace;

    public Evaluator(VaeModel model, ImageSet images, int batchSize, ulong seed)
        : this(model, new DeviceImages(model.Accelerator, images), batchSize, seed, ownsImages: true)
    {
    }

    /// <summary>Evaluates on images already resident on the model's device (not disposed here): one upload serves several passes.</summary>
    public Evaluator(VaeModel model, DeviceImages images, int batchSize, ulong seed)
        : this(model, images, batchSize, seed, ownsImages: false)
    {
    }

    private Evaluator(VaeModel model, DeviceImages deviceImages, int batchSize, ulong seed, bool ownsImages)
    {
        ImageSet images = deviceImages.Images;
        if (images.PixelsPerImage != model.Layout.InputSize)
        {
            if (ownsImages) deviceImages.Dispose();
            throw new ArgumentException($"images have {images.PixelsPerImage} pixels, the model takes {model.Layout.InputSize}");
        }
        IAccelerator accelerator = model.Accelerator;
        _model = model;
        _seed = seed;
        _images = deviceImages;
        _ownsImages = ownsImages;
        _identity = accelerator.Allocate<int>(images.Count);
        _hostIdentity = Enumerable.Range(0, images.Count).ToArray();
        accelerator.Upload<int>(_identity, _hostIdentity);
        _batchCounter = accelerator.Allocate<uint>(1);
        _workspace = new VaeWorkspace(accelerator, model.Layout, Math.Max(1, Math.Min(batchSize, images.Count)));
    }

    public EvaluationResult Evaluate()
    {
        ElboScores scores = PerExample();
        int count = Math.Max(1, scores.Count);
        double recon = scores.Recon.Sum(), kl = scores.Kl.Sum();
        return new EvaluationResult((recon + kl) / count, recon / count, kl / count, scores.Count);
    }

    /// <summary>Each image's reconstruction NLL and KL, one sampled z per image.</summary>
    public ElboScores PerExample()
    {
        IAccelerator accelerator = _model.Accelerator;
        var noise = new NoiseSource(_seed, NoiseStreams.EvalNoise);
        int n = _images.Count;
        var recon = new double[n];
        var kl = new double[n];
        var rowValues = new float[_workspace.MaxRows];
        int batch = 0;
        for (int start = 0; start < n; start += _workspace.MaxRows, batch++)
        {
            int rows = Math.Min(_workspace.MaxRows, n - start);
            accelerator.Upload<uint>(_batchCounter, [(uint)batch]);
            _images.Gather(_identity.Slice(start, rows), _hostIdentity.AsSpan(start, rows), _workspace.Input(rows), rows);
            VaePasses.Loss(_model, _workspace, rows, noise, _batchCounter, withGradient: false);
            Copy(_workspace.Nll(rows), recon.AsSpan(start, rows));
            Copy(_workspace.Kl(rows), kl.AsSpan(start, rows));
        }
        return new ElboScores(recon, kl);

        void Copy(DeviceSpan<float> source, Span<double> destination)
        {
            Span<float> values = rowValues.AsSpan(0, source.Length);
            accelerator.Download(source, values);
            for (int i = 0; i < values.Length; i++) destination[i] = values[i];
        }
    }

    public void Dispose()
    {
        _workspace.Dispose();
        _batchCounter.Dispose();
        _identity.Dispose();
        if (_ownsImages) _images.Dispose();
    }
}
