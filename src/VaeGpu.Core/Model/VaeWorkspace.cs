using VaeGpu.Accelerators;

namespace VaeGpu.Model;

/// <summary>
/// Activation and activation-gradient buffers for batches of up to <see cref="MaxRows"/> rows,
/// allocated once so that a training step allocates nothing. Accessors slice them to the batch.
/// </summary>
public sealed class VaeWorkspace : IDisposable
{
    private readonly IAccelerator _accelerator;
    private readonly DeviceBuffer<float>[] _encoder;
    private readonly DeviceBuffer<float>[] _decoder;
    private readonly DeviceBuffer<float>[] _encoderConvs, _decoderConvs;
    private readonly DeviceBuffer<float> _input, _head, _z, _eps, _kl, _nll, _dLogits, _dHead, _dz, _gradientA, _gradientB;
    private readonly List<IDisposable> _owned = [];
    private readonly Dictionary<string, (DeviceBuffer<float> PreNorm, DeviceBuffer<float> Statistics)> _norms = [];

    public VaeWorkspace(IAccelerator accelerator, VaeLayout layout, int maxRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        _accelerator = accelerator;
        Layout = layout;
        MaxRows = maxRows;
        int latent = layout.Latent;
        _input = Allocate(maxRows * layout.InputSize);
        _encoder = layout.Encoder.Select(layer => Allocate(maxRows * layer.OutFeatures)).ToArray();
        _head = Allocate(maxRows * 2 * latent);
        _z = Allocate(maxRows * latent);
        _eps = Allocate(maxRows * latent);
        _kl = Allocate(maxRows);
        _decoder = layout.Decoder.Select(layer => Allocate(maxRows * layer.OutFeatures)).ToArray();
        _nll = Allocate(maxRows);
        _dLogits = Allocate(maxRows * layout.InputSize);
        _dHead = Allocate(maxRows * 2 * latent);
        _dz = Allocate(maxRows * latent);
        _encoderConvs = layout.EncoderConvs.Select(layer => Allocate(maxRows * layer.OutputSize)).ToArray();
        // The last transposed convolution writes the output (logits are never stored; means land in Output).
        _decoderConvs = layout.DecoderConvs.SkipLast(1).Select(layer => Allocate(maxRows * layer.OutputSize)).ToArray();
        foreach (ConvLayer layer in layout.EncoderConvs.Concat(layout.DecoderConvs).Where(layer => layer.Normalized))
            _norms.Add(layer.Name, (Allocate(maxRows * layer.OutputSize), Allocate(2 * layer.Channels)));
        _gradientA = Allocate(maxRows * layout.MaxHidden);
        _gradientB = Allocate(maxRows * layout.MaxHidden);
    }

    public VaeLayout Layout { get; }
    public int MaxRows { get; }


    public DeviceSpan<float> Input(int rows) => Rows(_input, rows, Layout.InputSize);
    public DeviceSpan<float> Encoder(int layer, int rows) => Rows(_encoder[layer], rows, Layout.Encoder[layer].OutFeatures);
    public DeviceSpan<float> Head(int rows) => Rows(_head, rows, 2 * Layout.Latent);
    public DeviceSpan<float> Z(int rows) => Rows(_z, rows, Layout.Latent);
    public DeviceSpan<float> Eps(int rows) => Rows(_eps, rows, Layout.Latent);
    public DeviceSpan<float> Kl(int rows) => Rows(_kl, rows, 1);
    public DeviceSpan<float> Decoder(int layer, int rows) => Rows(_decoder[layer], rows, Layout.Decoder[layer].OutFeatures);
    public DeviceSpan<float> Nll(int rows) => Rows(_nll, rows, 1);

    /// <summary>A convolutional encoder layer's output (NHWC per example).</summary>
    public DeviceSpan<float> ConvEncoder(int layer, int rows) => Rows(_encoderConvs[layer], rows, Layout.EncoderConvs[layer].OutputSize);

    /// <summary>A transposed convolution's output, all but the last (the output layer).</summary>
    public DeviceSpan<float> ConvDecoder(int layer, int rows) => Rows(_decoderConvs[layer], rows, Layout.DecoderConvs[layer].OutputSize);

    /// <summary>A normalized layer's convolution output, before its BatchNorm (which the backward reads again).</summary>
    public DeviceSpan<float> PreNorm(ConvLayer layer, int rows) => Rows(_norms[layer.Name].PreNorm, rows, layer.OutputSize);

    /// <summary>A normalized layer's [mean | invstd] of the last forward: the batch's in training, for the backward.</summary>
    public DeviceSpan<float> NormStatistics(ConvLayer layer) => _norms[layer.Name].Statistics.Slice(0, 2 * layer.Channels);

    /// <summary>The gradient of the loss by the decoder output; also where decoded images land.</summary>
    public DeviceSpan<float> Output(int rows) => Rows(_dLogits, rows, Layout.InputSize);
    public DeviceSpan<float> DHead(int rows) => Rows(_dHead, rows, 2 * Layout.Latent);
    public DeviceSpan<float> Dz(int rows) => Rows(_dz, rows, Layout.Latent);

    /// <summary>Two ping-pong buffers for the gradients of hidden activations.</summary>
    public DeviceSpan<float> Gradient(int which, int rows, int width) => Rows(which == 0 ? _gradientA : _gradientB, rows, width);

    public void Dispose()
    {
        foreach (IDisposable buffer in _owned) buffer.Dispose();
    }

    private DeviceBuffer<float> Allocate(int length)
    {
        DeviceBuffer<float> buffer = _accelerator.Allocate<float>(length);
        _owned.Add(buffer);
        return buffer;
    }

    private DeviceSpan<float> Rows(DeviceBuffer<float> buffer, int rows, int width)
    {
        if (rows > MaxRows) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"workspace holds at most {MaxRows} rows");
        return buffer.Slice(0, rows * width);
    }
}
