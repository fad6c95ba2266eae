using VaeGpu.Accelerators;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Model;

/// <summary>
/// The layers of a <see cref="VaeArchitecture"/> in the order their parameters sit in the flat
/// buffer: encoder hidden layers, the head (μ and logvar, 2·latent outputs), decoder hidden layers,
/// the output layer (its activation is the likelihood's, applied by ElboOutput), and for a Gaussian
/// with σ learned per feature, logσ per input feature.
/// </summary>
public sealed class VaeLayout
{
    public VaeLayout(VaeArchitecture architecture)
    {
        Architecture = architecture;
        var layers = new List<LinearLayer>();
        int offset = 0;
        LinearLayer Add(string name, int inFeatures, int outFeatures, Activation activation)
        {
            var layer = new LinearLayer(name, inFeatures, outFeatures, offset, activation);
            offset += layer.ParameterCount;
            layers.Add(layer);
            return layer;
        }

        int width = architecture.InputSize;
        var encoder = new List<LinearLayer>();
        for (int i = 0; i < architecture.Hidden.Count; i++)
        {
            encoder.Add(Add($"encoder.{i}", width, architecture.Hidden[i], architecture.Activation));
            width = architecture.Hidden[i];
        }
        Head = Add("head", width, 2 * architecture.Latent, Activation.Identity);
        width = architecture.Latent;
        var decoder = new List<LinearLayer>();
        for (int i = architecture.Hidden.Count - 1; i >= 0; i--)
        {
            decoder.Add(Add($"decoder.{decoder.Count}", width, architecture.Hidden[i], architecture.Activation));
            width = architecture.Hidden[i];
        }
        Output = Add("output", width, architecture.InputSize, Activation.Identity);
        Encoder = encoder;
        Decoder = decoder;
        Layers = layers;
        if (architecture.Likelihood.LearnsSigma)
        {
            LogSigmaOffset = offset;
            offset += architecture.InputSize;
        }
        ParameterCount = offset;
    }

    public VaeArchitecture Architecture { get; }
    public IReadOnlyList<LinearLayer> Encoder { get; }
    public LinearLayer Head { get; }
    public IReadOnlyList<LinearLayer> Decoder { get; }
    public LinearLayer Output { get; }
    public IReadOnlyList<LinearLayer> Layers { get; }
    public int ParameterCount { get; }

    /// <summary>Where logσ (one per input feature) starts in the flat buffer; null unless σ is learned.</summary>
    public int? LogSigmaOffset { get; }

    /// <summary>The logσ block of a parameter (or gradient) buffer; none unless σ is learned.</summary>
    public DeviceSpan<float> LogSigma(DeviceBuffer<float> buffer) =>
        LogSigmaOffset is { } offset ? buffer.Slice(offset, InputSize) : default;
    public int Latent => Architecture.Latent;
    public int InputSize => Architecture.InputSize;
    public int MaxHidden => Architecture.Hidden.Max();

    /// <summary>Floating-point operations per training example: forward 2·MACs, backward 4·MACs.</summary>
    public long TrainingFlopsPerExample => Layers.Sum(layer => 6 * layer.MultiplyAdds);

    /// <summary>
    /// PyTorch's default for nn.Linear: weights and biases uniform in ±1/√in (kaiming_uniform with
    /// a = √5), drawn from Philox stream <see cref="NoiseStreams.ParameterInit"/>, one substream per layer.
    /// </summary>
    public float[] InitialParameters(ulong seed)
    {
        var parameters = new float[ParameterCount];
        for (int index = 0; index < Layers.Count; index++)
        {
            LinearLayer layer = Layers[index];
            var random = new PhiloxRandom(seed, NoiseStreams.ParameterInit, (uint)index);
            float bound = 1f / MathF.Sqrt(layer.InFeatures);
            for (int i = 0; i < layer.ParameterCount; i++)
                parameters[layer.WeightOffset + i] = random.NextUniform(-bound, bound);
        }
        if (LogSigmaOffset is { } logSigma)
            Array.Fill(parameters, MathF.Log(Architecture.Likelihood.Sigma), logSigma, InputSize);
        return parameters;
    }
}
