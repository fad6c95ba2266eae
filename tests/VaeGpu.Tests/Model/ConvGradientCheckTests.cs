using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Model;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Model;

/// <summary>
/// The gradient of the convolutional VAE's whole −ELBO, L = (1/rows)·Σ_r (recon_r + β·KL_r), with the
/// noise ε held fixed (read back from the workspace): the accelerator's float32 gradient (VaePasses.Loss +
/// VaePasses.Backward through ConvPasses) against float64 central differences of a float64 forward of the
/// same model written here from the flat layout and the direct convolutions of <see cref="ReferenceConv"/>.
/// A 7×7×2 image, so the encoder rounds (7 → 3 → 1) and the decoder's transposed convolutions give 7 back. With
/// Model:Norm = batch, every hidden convolution's BatchNorm in training mode (batch statistics) is differentiated too:
/// its γ and β, and the gradient through the statistics into the convolutions below.
/// </summary>
public sealed class ConvGradientCheckTests
{
    private const int Height = 7, Width = 7, Channels = 2, Latent = 2, Rows = 3;
    private static readonly int[] Filters = [3, 4];

    /// <summary>float32 through 7 layers: 1e-3 of each layer's largest gradient, as the MLP's check (GradientCheckTests).</summary>
    private const double Float32Tolerance = 1e-3;

    public static TheoryData<string, Activation, LikelihoodKind, ConvNorm> Cases
    {
        get
        {
            var data = new TheoryData<string, Activation, LikelihoodKind, ConvNorm>();
            var devices = new List<string> { "cpu", "ilgpu-cpu" };
            foreach (DeviceRequest device in new[] { IlgpuTestDevice.Cuda, IlgpuTestDevice.OpenCl })
                if (IlgpuTestDevice.SkipReason(device) is null) devices.Add(device.ToString());
            foreach (string device in devices)
            {
                data.Add(device, Activation.Tanh, LikelihoodKind.Bernoulli, ConvNorm.None);
                data.Add(device, Activation.LeakyRelu, LikelihoodKind.Gaussian, ConvNorm.None);
                data.Add(device, Activation.Relu, LikelihoodKind.Bernoulli, ConvNorm.None);
                data.Add(device, Activation.Tanh, LikelihoodKind.Gaussian, ConvNorm.Batch);
                data.Add(device, Activation.LeakyRelu, LikelihoodKind.Bernoulli, ConvNorm.Batch);
                data.Add(device, Activation.Tanh, LikelihoodKind.GaussianLearned, ConvNorm.None);
                data.Add(device, Activation.LeakyRelu, LikelihoodKind.GaussianLearned, ConvNorm.Batch);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv_elbo_gradient_matches_float64_finite_differences(string device, Activation activation, LikelihoodKind kind, ConvNorm norm)
    {
        Likelihood likelihood = kind switch
        {
            LikelihoodKind.Bernoulli => Likelihood.Bernoulli,
            LikelihoodKind.GaussianLearned => Likelihood.GaussianLearned(0.5f),
            _ => Likelihood.Gaussian(0.5f),
        };
        var architecture = new VaeArchitecture(Height * Width * Channels, [], Latent, activation, likelihood, new LogVarClamp(-30f, 20f))
        {
            Conv = new ConvSpec(Height, Width, Channels, Filters) { Norm = norm },
        };
        var random = new System.Random(31 * (int)activation + (int)kind + 7 * (int)norm);
        float[] input = new float[Rows * architecture.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = kind == LikelihoodKind.Bernoulli ? random.Next(2) : (float)random.NextDouble();

        using IAccelerator accelerator = device switch
        {
            "cpu" => new CpuAccelerator(threads: 2),
            _ => IlgpuTestDevice.Create(DeviceRequest.Parse(device)),
        };
        using var model = new VaeModel(accelerator, architecture);
        VaeLayout layout = model.Layout;
        float[] initial = new float[layout.ParameterCount];
        var blocks = Blocks(layout).ToList();
        foreach ((string _, int offset, int weights, int biases, int fanIn) in blocks)
        {
            if (fanIn < 0)
            {
                // A learned σ per image channel: logσ around log 0.5, different per channel.
                for (int i = 0; i < weights; i++) initial[offset + i] = (float)(Math.Log(0.5) + random.NextDouble() - 0.5);
                continue;
            }
            if (fanIn == 0)
            {
                // A BatchNorm's γ around 1 and β around 0.
                for (int i = 0; i < weights; i++) initial[offset + i] = (float)(0.6 + 0.8 * random.NextDouble());
                for (int i = 0; i < biases; i++) initial[offset + weights + i] = (float)(random.NextDouble() * 0.6 - 0.3);
                continue;
            }
            for (int i = 0; i < weights; i++) initial[offset + i] = (float)((random.NextDouble() * 2 - 1) * 1.5 / Math.Sqrt(fanIn));
            for (int i = 0; i < biases; i++) initial[offset + weights + i] = (float)(random.NextDouble() * 0.4 - 0.1);
        }
        model.Load(new ModelState(initial, new float[initial.Length], new float[initial.Length], Step: 5)
        {
            RunningStatistics = layout.InitialStatistics(),
        });
        using var workspace = new VaeWorkspace(accelerator, layout, maxRows: Rows + 1);
        accelerator.Upload(workspace.Input(Rows), input);
        const float beta = 0.5f;
        VaePasses.Loss(model, workspace, Rows, new NoiseSource(0x5EEDUL, NoiseStreams.TrainNoise), model.StepCounter, withGradient: true);
        VaePasses.Backward(model, workspace, Rows, new KlWeight(beta, 0));

        float[] gradient32 = new float[layout.ParameterCount], eps = new float[Rows * Latent], nll = new float[Rows], kl = new float[Rows];
        accelerator.Download<float>(model.Gradients, gradient32);
        accelerator.Download(workspace.Eps(Rows), eps);
        accelerator.Download(workspace.Nll(Rows), nll);
        accelerator.Download(workspace.Kl(Rows), kl);
        Assert.Contains(eps, e => e != 0f);

        var reference = new ReferenceConvVae(layout, input, eps, Rows, beta);
        double[] p = initial.Select(v => (double)v).ToArray();
        (double[] referenceNll, double[] referenceKl) = reference.Loss(p, trackKinks: true);
        for (int r = 0; r < Rows; r++)
        {
            Assert.True(Math.Abs(nll[r] - referenceNll[r]) <= 1e-5 * (1 + Math.Abs(referenceNll[r])), $"nll[{r}] {nll[r]} vs {referenceNll[r]}");
            Assert.True(Math.Abs(kl[r] - referenceKl[r]) <= 1e-5 * (1 + Math.Abs(referenceKl[r])), $"kl[{r}] {kl[r]} vs {referenceKl[r]}");
        }
        double kink = reference.KinkDistance;
        Assert.True(kink > 1e-5, $"a pre-activation is {kink:G3} from a kink: choose another seed");
        double step = Math.Clamp(kink * 1e-2, 1e-7, 1e-5);

        var finiteDifference = new double[p.Length];
        for (int k = 0; k < p.Length; k++)
        {
            double saved = p[k];
            p[k] = saved + step;
            double plus = reference.Total(p);
            p[k] = saved - step;
            double minus = reference.Total(p);
            p[k] = saved;
            finiteDifference[k] = (plus - minus) / (2 * step);
        }

        foreach ((string name, int offset, int weights, int biases, int _) in blocks)
        {
            double scale = 0, largestError = 0;
            int largestAt = offset;
            for (int k = offset; k < offset + weights + biases; k++)
            {
                scale = Math.Max(scale, Math.Abs(finiteDifference[k]));
                double error = Math.Abs(gradient32[k] - finiteDifference[k]);
                if (error > largestError) (largestError, largestAt) = (error, k);
            }
            Assert.True(scale > 0, $"{name}: the gradient is identically zero");
            Assert.True(largestError <= Float32Tolerance * scale,
                $"{name}[{largestAt - offset}]: float32 {gradient32[largestAt]:G9}, finite difference {finiteDifference[largestAt]:G9} " +
                $"(error {largestError:G3}, layer max-abs {scale:G3})");
        }
    }

    /// <summary>
    /// Every parameter block in the flat buffer: name, offset, weights, biases, fan-in (a BatchNorm's γ, β: fan-in 0; a
    /// learned σ's logσ per channel: fan-in −1).
    /// </summary>
    private static IEnumerable<(string Name, int Offset, int Weights, int Biases, int FanIn)> Blocks(VaeLayout layout)
    {
        foreach (ConvLayer layer in layout.EncoderConvs.Concat(layout.DecoderConvs))
        {
            yield return (layer.Name, layer.WeightOffset, layer.WeightCount, layer.BiasCount, layer.FanIn);
            if (layer.Normalized) yield return (layer.Name + ".norm", layer.GammaOffset, layer.Channels, layer.Channels, 0);
        }
        foreach (LinearLayer layer in layout.Layers)
            yield return (layer.Name, layer.WeightOffset, layer.WeightCount, layer.OutFeatures, layer.InFeatures);
        if (layout.LogSigmaOffset is { } logSigma) yield return ("logSigma", logSigma, layout.LogSigmaCount, 0, -1);
    }

    /// <summary>The convolutional VAE's forward in float64 over the flat parameter layout, with fixed noise.</summary>
    private sealed class ReferenceConvVae(VaeLayout layout, float[] input, float[] eps, int rows, double beta)
    {
        public double KinkDistance { get; private set; } = double.PositiveInfinity;

        private bool _trackKinks;

        public double Total(double[] p)
        {
            (double[] nll, double[] kl) = Loss(p, trackKinks: false);
            double total = 0;
            for (int r = 0; r < rows; r++) total += nll[r] + beta * kl[r];
            return total / rows;
        }

        public (double[] Nll, double[] Kl) Loss(double[] p, bool trackKinks)
        {
            _trackKinks = trackKinks;
            int latent = layout.Latent;
            LogVarClamp clamp = layout.Architecture.LogVarClamp;
            double[] h = input.Select(v => (double)v).ToArray();
            foreach (ConvLayer layer in layout.EncoderConvs)
                h = ConvOutput(layer, ReferenceConv.LargeToSmall(h, Slice(p, layer.WeightOffset, layer.WeightCount), layer.Shape(rows)).Value, p);
            double[] head = Linear(layout.Head, p, h);
            var z = new double[rows * latent];
            var kl = new double[rows];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < latent; j++)
                {
                    double mu = head[2 * r * latent + j];
                    double logVar = ReferenceOps.Clamp(clamp, head[(2 * r + 1) * latent + j]);
                    z[r * latent + j] = mu + Math.Exp(0.5 * logVar) * eps[r * latent + j];
                    kl[r] += -0.5 * (1 + logVar - mu * mu - Math.Exp(logVar));
                }
            double[] d = Linear(layout.Decoder[0], p, z);
            foreach (ConvLayer layer in layout.DecoderConvs)
            {
                d = ConvOutput(layer, ReferenceConv.SmallToLarge(d, Slice(p, layer.WeightOffset, layer.WeightCount), layer.Shape(rows)).Value, p);
            }
            var nll = new double[rows];
            int size = layout.InputSize;
            int channels = layout.Architecture.Conv!.Channels;
            for (int i = 0; i < rows * size; i++)
                nll[i / size] += layout.LogSigmaOffset is { } logSigma
                    ? ReferenceOps.GaussianNll(p[logSigma + i % channels], d[i], input[i], out _, out _)
                    : ReferenceOps.Nll(layout.Architecture.Likelihood, d[i], input[i], out _);
            return (nll, kl);
        }

        private double[] Linear(LinearLayer layer, double[] p, double[] x)
        {
            var dot = new double[rows * layer.OutFeatures];
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < layer.OutFeatures; o++)
                    for (int i = 0; i < layer.InFeatures; i++)
                        dot[r * layer.OutFeatures + o] += x[r * layer.InFeatures + i] * p[layer.WeightOffset + o * layer.InFeatures + i];
            return Activate(dot, p, layer.BiasOffset, layer.OutFeatures, layer.Activation);
        }

        /// <summary>act(dot + b), b per channel (the innermost index).</summary>
        private double[] Activate(double[] dot, double[] p, int biasOffset, int channels, Activation activation)
        {
            var y = new double[dot.Length];
            for (int i = 0; i < dot.Length; i++)
            {
                double pre = dot[i] + p[biasOffset + i % channels];
                y[i] = ReferenceOps.Activate(activation, pre);
                if (_trackKinks && activation is Activation.Relu or Activation.LeakyRelu) KinkDistance = Math.Min(KinkDistance, Math.Abs(pre));
            }
            return y;
        }

        /// <summary>act(dot + b), or with a BatchNorm act(BN(dot + b)) by the batch's statistics (training mode).</summary>
        private double[] ConvOutput(ConvLayer layer, double[] dot, double[] p)
        {
            if (!layer.Normalized) return Activate(dot, p, layer.BiasOffset, layer.BiasCount, layer.Activation);
            double[] convolved = Activate(dot, p, layer.BiasOffset, layer.BiasCount, Activation.Identity);
            int normRows = layer.NormRows(rows), channels = layer.Channels;
            ReferenceBatchNorm.Moments moments = ReferenceBatchNorm.BatchMoments(convolved, normRows, channels);
            double[] normalized = ReferenceBatchNorm.Normalize(convolved, moments, Slice(p, layer.GammaOffset, channels),
                Slice(p, layer.GammaOffset + channels, channels), normRows, channels);
            var zeros = new double[p.Length];
            return Activate(normalized, zeros, 0, channels, layer.Activation);
        }

        private static double[] Slice(double[] p, int offset, int count) => p.AsSpan(offset, count).ToArray();
    }
}
