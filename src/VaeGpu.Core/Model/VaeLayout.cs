using VaeGpu.Accelerators;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Model;

/// <summary>
/// The layers of a <see cref="VaeArchitecture"/> in the order their parameters sit in the flat
/// buffer: encoder hidden layers, the head (μ and logvar, 2·latent outputs), decoder hidden layers,
/// the output layer (its activation is the likelihood's, applied by ElboOutput), and for a Gaussian
/// with σ learned per feature, logσ per input feature. A convolutional architecture (<see cref="ConvSpec"/>) puts its
/// encoder convolutions first, then the head, the decoder's linear layer (latent → the last convolution's
/// output) and the transposed convolutions, the last of which is the output layer (<see cref="OutputConv"/>).
/// </summary>
public sealed class VaeLayout
{
    private readonly LinearLayer? _output;
    private readonly ConvLayer? _outputConv;

    public VaeLayout(VaeArchitecture architecture)
    {
        Architecture = architecture;
        var layers = new List<LinearLayer>();
        var parameterOrder = new List<(int Offset, int Count, int FanIn)>();
        int offset = 0;
        LinearLayer Add(string name, int inFeatures, int outFeatures, Activation activation)
        {
            var layer = new LinearLayer(name, inFeatures, outFeatures, offset, activation);
            parameterOrder.Add((offset, layer.ParameterCount, inFeatures));
            offset += layer.ParameterCount;
            layers.Add(layer);
            return layer;
        }
        int statistics = 0;
        var unitScales = new List<(int Offset, int Count)>();
        ConvLayer AddConv(string name, ConvShape geometry, bool transposed, Activation activation, bool normalized)
        {
            var layer = new ConvLayer(name, geometry, transposed, offset, activation, normalized ? statistics : -1);
            // The BatchNorm's γ and β start at PyTorch's 1 and 0, outside the layer's random draw (whose substream stays the same).
            parameterOrder.Add((offset, layer.WeightCount + layer.BiasCount, layer.FanIn));
            if (normalized)
            {
                unitScales.Add((layer.GammaOffset, layer.Channels));
                statistics += 2 * layer.Channels;
            }
            offset += layer.ParameterCount;
            return layer;
        }

        var encoder = new List<LinearLayer>();
        var decoder = new List<LinearLayer>();
        var encoderConvs = new List<ConvLayer>();
        var decoderConvs = new List<ConvLayer>();
        if (architecture.Conv is { } conv)
        {
            if (conv.Height * conv.Width * conv.Channels != architecture.InputSize)
                throw new ArgumentException($"a {conv.Height}×{conv.Width}×{conv.Channels} image is not {architecture.InputSize} inputs");
            int height = conv.Height, width = conv.Width, channels = conv.Channels;
            for (int i = 0; i < conv.Filters.Count; i++)
            {
                ConvShape geometry = ConvShape.Conv2d(1, channels, height, width, conv.Filters[i], conv.Kernel, conv.Stride, conv.Padding);
                encoderConvs.Add(AddConv($"encoder.conv{i}", geometry, transposed: false, architecture.Activation, conv.Norm == ConvNorm.Batch));
                (height, width, channels) = (geometry.OutHeight, geometry.OutWidth, geometry.OutChannels);
            }
            int flat = height * width * channels;
            Head = Add("head", flat, 2 * architecture.Latent, Activation.Identity);
            decoder.Add(Add("decoder.linear", architecture.Latent, flat, architecture.Activation));
            // Each transposed layer is the adjoint of the encoder convolution at the same depth: it gives that
            // convolution's input size back whatever rounding the encoder did, and maps to its input channels.
            for (int i = encoderConvs.Count - 1; i >= 0; i--)
            {
                bool last = i == 0;
                decoderConvs.Add(AddConv(last ? "output" : $"decoder.conv{decoderConvs.Count}", encoderConvs[i].Geometry, transposed: true,
                    last ? Activation.Identity : architecture.Activation, normalized: !last && conv.Norm == ConvNorm.Batch));
            }
            _outputConv = decoderConvs[^1];
        }
        else
        {
            int width = architecture.InputSize;
            for (int i = 0; i < architecture.Hidden.Count; i++)
            {
                encoder.Add(Add($"encoder.{i}", width, architecture.Hidden[i], architecture.Activation));
                width = architecture.Hidden[i];
            }
            Head = Add("head", width, 2 * architecture.Latent, Activation.Identity);
            width = architecture.Latent;
            for (int i = architecture.Hidden.Count - 1; i >= 0; i--)
            {
                decoder.Add(Add($"decoder.{decoder.Count}", width, architecture.Hidden[i], architecture.Activation));
                width = architecture.Hidden[i];
            }
            _output = Add("output", width, architecture.InputSize, Activation.Identity);
        }
        Encoder = encoder;
        Decoder = decoder;
        Layers = layers;
        EncoderConvs = encoderConvs;
        DecoderConvs = decoderConvs;
        _parameterOrder = parameterOrder;
        _unitScales = unitScales;
        StatisticsCount = statistics;
        if (architecture.Likelihood.LearnsSigma)
        {
            // Per feature for an MLP; per image channel for a conv decoder, shared by every position as its bias is.
            LogSigmaOffset = offset;
            LogSigmaCount = architecture.Conv?.Channels ?? architecture.InputSize;
            offset += LogSigmaCount;
        }
        ParameterCount = offset;
        // A convolutional model's hidden gradients are the inputs of its layers past the first: the widest of those.
        MaxHidden = architecture.Conv is null
            ? architecture.Hidden.Max()
            : encoderConvs.Skip(1).Select(layer => layer.InputSize).Append(Head.InFeatures)
                .Concat(decoderConvs.Select(layer => layer.InputSize)).Max();
    }

    private readonly List<(int Offset, int Count, int FanIn)> _parameterOrder;
    private readonly List<(int Offset, int Count)> _unitScales;

    /// <summary>The BatchNorms' running statistics ([mean | variance] per normalized layer, <see cref="ConvLayer.StatisticsOffset"/>); 0 without.</summary>
    public int StatisticsCount { get; }

    /// <summary>PyTorch's initial running statistics: mean 0, variance 1.</summary>
    public float[] InitialStatistics()
    {
        var statistics = new float[StatisticsCount];
        foreach (ConvLayer layer in EncoderConvs.Concat(DecoderConvs).Where(layer => layer.Normalized))
            Array.Fill(statistics, 1f, layer.StatisticsOffset + layer.Channels, layer.Channels);
        return statistics;
    }

    public VaeArchitecture Architecture { get; }

    /// <summary>The MLP's encoder layers (none for a convolutional model).</summary>
    public IReadOnlyList<LinearLayer> Encoder { get; }
    public LinearLayer Head { get; }

    /// <summary>The MLP's decoder hidden layers; for a convolutional model its one linear layer (latent → the last convolution's output).</summary>
    public IReadOnlyList<LinearLayer> Decoder { get; }

    /// <summary>The MLP's output layer, whose loss ElboOutput fuses.</summary>
    public LinearLayer Output => _output ?? throw new InvalidOperationException("a convolutional model's output layer is OutputConv");

    /// <summary>The linear layers in parameter order.</summary>
    public IReadOnlyList<LinearLayer> Layers { get; }

    /// <summary>A convolutional model's encoder convolutions, large to small.</summary>
    public IReadOnlyList<ConvLayer> EncoderConvs { get; }

    /// <summary>A convolutional model's transposed convolutions, small to large; the last is <see cref="OutputConv"/>.</summary>
    public IReadOnlyList<ConvLayer> DecoderConvs { get; }

    /// <summary>A convolutional model's output layer, whose loss ConvTranspose2dElboOutput fuses.</summary>
    public ConvLayer OutputConv => _outputConv ?? throw new InvalidOperationException("an MLP's output layer is Output");

    public bool IsConv => _outputConv is not null;

    public int ParameterCount { get; }

    /// <summary>Where logσ starts in the flat buffer; null unless σ is learned.</summary>
    public int? LogSigmaOffset { get; }

    /// <summary>How many logσ there are: one per input feature (MLP) or per image channel (conv); 0 unless σ is learned.</summary>
    public int LogSigmaCount { get; }

    /// <summary>The logσ block of a parameter (or gradient) buffer; none unless σ is learned.</summary>
    public DeviceSpan<float> LogSigma(DeviceSpan<float> buffer) =>
        LogSigmaOffset is { } offset ? buffer.Slice(offset, LogSigmaCount) : default;
    public int Latent => Architecture.Latent;
    public int InputSize => Architecture.InputSize;

    /// <summary>The widest activation (floats per example) a hidden layer reads or writes: the gradient buffers' width.</summary>
    public int MaxHidden { get; }

    /// <summary>Floating-point operations per training example: forward 2·MACs, backward 4·MACs.</summary>
    public long TrainingFlopsPerExample =>
        Layers.Sum(layer => 6 * layer.MultiplyAdds) + EncoderConvs.Concat(DecoderConvs).Sum(layer => 6 * layer.MultiplyAdds);

    /// <summary>
    /// PyTorch's defaults for nn.Linear, nn.Conv2d and nn.ConvTranspose2d: weights and biases uniform in
    /// ±1/√fan-in (kaiming_uniform with a = √5), drawn from Philox stream <see cref="NoiseStreams.ParameterInit"/>,
    /// one substream per layer in parameter order.
    /// </summary>
    public float[] InitialParameters(ulong seed)
    {
        var parameters = new float[ParameterCount];
        for (int index = 0; index < _parameterOrder.Count; index++)
        {
            (int offset, int count, int fanIn) = _parameterOrder[index];
            var random = new PhiloxRandom(seed, NoiseStreams.ParameterInit, (uint)index);
            float bound = 1f / MathF.Sqrt(fanIn);
            for (int i = 0; i < count; i++)
                parameters[offset + i] = random.NextUniform(-bound, bound);
        }
        foreach ((int offset, int count) in _unitScales) Array.Fill(parameters, 1f, offset, count);
        if (LogSigmaOffset is { } logSigma)
            Array.Fill(parameters, MathF.Log(Architecture.Likelihood.Sigma), logSigma, LogSigmaCount);
        return parameters;
    }
}
