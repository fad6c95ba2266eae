using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;

namespace VaeGpu.Training;

/// <summary>
/// Test −ELBO of a model with sampled z (as the reference PyTorch example reports it). The noise is
/// Philox stream <see cref="NoiseStreams.EvalNoise"/> with the batch index as its step, so the same
/// model on the same data always gets the same figure, on every accelerator.
/// </summary>
public sealed class Evaluator : IDisposable
{
    private readonly VaeModel _model;
    private readonly ulong _seed;
    private readonly DeviceImages _images;
    private readonly DeviceBuffer<int> _identity;
    private readonly DeviceBuffer<uint> _batchCounter;
    private readonly DeviceBuffer<float> _sums;
    private readonly VaeWorkspace _workspace;

    public Evaluator(VaeModel model, ImageSet images, int batchSize, ulong seed)
    {
        if (images.PixelsPerImage != model.Layout.InputSize)
            throw new ArgumentException($"images have {images.PixelsPerImage} pixels, the model takes {model.Layout.InputSize}");
        IAccelerator accelerator = model.Accelerator;
        _model = model;
        _seed = seed;
        _images = new DeviceImages(accelerator, images);
        _identity = accelerator.Allocate<int>(images.Count);
        accelerator.Upload<int>(_identity, Enumerable.Range(0, images.Count).ToArray());
        _batchCounter = accelerator.Allocate<uint>(1);
        _sums = accelerator.Allocate<float>(2);
        _workspace = new VaeWorkspace(accelerator, model.Layout, Math.Max(1, Math.Min(batchSize, images.Count)));
    }

    public EvaluationResult Evaluate()
    {
        IAccelerator accelerator = _model.Accelerator;
        var noise = new NoiseSource(_seed, NoiseStreams.EvalNoise);
        Span<float> sums = stackalloc float[2];
        double recon = 0, kl = 0;
        int batch = 0;
        for (int start = 0; start < _images.Count; start += _workspace.MaxRows, batch++)
        {
            int rows = Math.Min(_workspace.MaxRows, _images.Count - start);
            accelerator.Upload<uint>(_batchCounter, [(uint)batch]);
            accelerator.GatherRows(_images.Pixels, _identity.Slice(start, rows), _workspace.Input(rows), rows, _images.PixelsPerImage);
            VaePasses.Loss(_model, _workspace, rows, noise, _batchCounter, withGradient: false);
            accelerator.Reduce(_workspace.Nll(rows), _sums.Slice(0, 1));
            accelerator.Reduce(_workspace.Kl(rows), _sums.Slice(1, 1));
            accelerator.Download<float>(_sums, sums);
            recon += sums[0];
            kl += sums[1];
        }
        int count = Math.Max(1, _images.Count);
        return new EvaluationResult((recon + kl) / count, recon / count, kl / count, _images.Count);
    }

    public void Dispose()
    {
        _workspace.Dispose();
        _sums.Dispose();
        _batchCounter.Dispose();
        _identity.Dispose();
        _images.Dispose();
    }
}
