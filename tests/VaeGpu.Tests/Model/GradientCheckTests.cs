using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Model;
using VaeGpu.Configuration;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Model;

/// <summary>
/// A gradient check of the whole −ELBO, L = (1/rows)·Σ_r (recon_r + β·KL_r), with the noise ε held
/// fixed (the ε that the accelerator's Reparameterize drew, read back from the workspace):
/// (a) a float64 model written here from the flat <see cref="VaeLayout"/> has its analytic gradient
///     checked against float64 central differences;
/// (b) the accelerator's float32 gradient (VaePasses.Loss + VaePasses.Backward) is checked against
///     that float64 analytic gradient.
/// </summary>
public sealed class GradientCheckTests
{
    private const int InputSize = 11, Latent = 3, Rows = 4;
    private static readonly int[] Hidden = [7, 5];

    /// <summary>
    /// Central differences with h = 1e-5 (less near a ReLU kink, see below): truncation error ~h²·|L'''| ≈ 1e-10, rounding ~1e-16·|L|/h ≈ 1e-10,
    /// both far below the 1e-4 relative bound. The relative error is taken against max(|fd|, |analytic|, 1e-3):
    /// the floor keeps components that are ~0 (dead ReLU units) from dividing rounding noise by ~0.
    /// </summary>
    private const double Step = 1e-5, FiniteDifferenceTolerance = 1e-4, Floor = 1e-3;

    /// <summary>
    /// float32 forward and backward through 8 layers of width ≤ 11 carry relative errors of ~1e-6 per
    /// value; 1e-3 of the largest gradient of each layer leaves room for the sums over rows and units
    /// without letting a wrong term (an error of order of the gradient itself) through.
    /// </summary>
    private const double Float32Tolerance = 1e-3;

    /// <summary>
    /// Every case on every accelerator present: cpu, ilgpu-cpu, and cuda/opencl where ILGPU can use one
    /// (an absent device adds no cases rather than a skip line per case).
    /// </summary>
    public static TheoryData<string, Activation, LikelihoodKind, float> Cases
    {
        get
        {
            var data = new TheoryData<string, Activation, LikelihoodKind, float>();
            foreach (string device in PresentDevices())
            {
                foreach (Activation activation in new[] { Activation.Relu, Activation.Tanh, Activation.LeakyRelu, Activation.Sigmoid })
                {
                    data.Add(device, activation, LikelihoodKind.Bernoulli, 1f);
                    data.Add(device, activation, LikelihoodKind.Gaussian, 1f);
                }
                data.Add(device, Activation.Tanh, LikelihoodKind.Bernoulli, 0.25f);
                data.Add(device, Activation.Relu, LikelihoodKind.Gaussian, 4f);
                data.Add(device, Activation.LeakyRelu, LikelihoodKind.Bernoulli, 2.5f);
                data.Add(device, Activation.Tanh, LikelihoodKind.GaussianLearned, 1f);
                data.Add(device, Activation.Relu, LikelihoodKind.GaussianLearned, 0.5f);
            }
            return data;
        }
    }

    private static IEnumerable<string> PresentDevices()
    {
        yield return "cpu";
        yield return "ilgpu-cpu";
        foreach (DeviceRequest device in new[] { IlgpuTestDevice.Cuda, IlgpuTestDevice.OpenCl })
            if (IlgpuTestDevice.SkipReason(device) is null) yield return device.ToString();
    }

    /// <summary>
    /// The accelerator of a case, and whether the case owns it. A GPU or OpenCL device is made once and
    /// shared by its cases: ILGPU names generated types from a process-wide counter, so every new
    /// context recompiles all the OpenCL C (about 10 s a context on PoCL), which 15 cases would pay 15 times.
    /// </summary>
    private static (IAccelerator Accelerator, bool Owned) Create(string device) => device switch
    {
        "cpu" => (new CpuAccelerator(threads: 2), true),
        "ilgpu-cpu" => (IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu), true),
        _ => (Shared.GetOrAdd(device, d => new Lazy<IAccelerator>(() => IlgpuTestDevice.Create(DeviceRequest.Parse(d)))).Value, false),
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<IAccelerator>> Shared = new();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ElboGradientMatchesFiniteDifferencesAndTheAccelerator(string device, Activation activation, LikelihoodKind kind, float beta)
    {
        Likelihood likelihood = kind switch
        {
            LikelihoodKind.Bernoulli => Likelihood.Bernoulli,
            LikelihoodKind.Gaussian => Likelihood.Gaussian(0.5f),
            _ => Likelihood.GaussianLearned(0.5f),
        };
        var architecture = new VaeArchitecture(InputSize, Hidden, Latent, activation, likelihood, new LogVarClamp(-30f, 20f));
        var random = new System.Random(1000 * (int)activation + 100 * (int)kind + (int)(beta * 8));
        float[] input = new float[Rows * InputSize];
        for (int i = 0; i < input.Length; i++)
            input[i] = kind == LikelihoodKind.Bernoulli ? random.Next(2) : (float)random.NextDouble();

        // The accelerator: loss with gradient, then backward, at a non-zero step (the noise's Philox step).
        (IAccelerator accelerator, bool owned) = Create(device);
        using IDisposable? owner = owned ? accelerator : null;
        using var model = new VaeModel(accelerator, architecture);
        // Parameters of our own (not the library's init, which may change): weights ±1.5/√in, biases
        // mostly positive so that few ReLU units are dead on all rows; step 17 for the noise.
        VaeLayout layout = model.Layout;
        float[] initial = new float[layout.ParameterCount];
        foreach (LinearLayer layer in layout.Layers)
        {
            for (int i = 0; i < layer.WeightCount; i++)
                initial[layer.WeightOffset + i] = (float)((random.NextDouble() * 2 - 1) * 1.5 / Math.Sqrt(layer.InFeatures));
            for (int o = 0; o < layer.OutFeatures; o++)
                initial[layer.BiasOffset + o] = (float)(random.NextDouble() * 0.4 - 0.1);
        }
        // A learned σ per feature: logσ around log 0.5, different per feature.
        if (layout.LogSigmaOffset is { } logSigmaOffset)
            for (int j = 0; j < InputSize; j++) initial[logSigmaOffset + j] = (float)(Math.Log(0.5) + random.NextDouble() - 0.5);
        model.Load(new ModelState(initial, new float[initial.Length], new float[initial.Length], Step: 17));
        using var workspace = new VaeWorkspace(accelerator, model.Layout, maxRows: Rows + 2);
        accelerator.Upload(workspace.Input(Rows), input);
        VaePasses.Loss(model, workspace, Rows, new NoiseSource(0xABCDEFUL, NoiseStreams.TrainNoise), model.StepCounter,
            withGradient: true);
        VaePasses.Backward(model, workspace, Rows, new KlWeight(beta, 0));

        float[] parameters = new float[layout.ParameterCount], gradient32 = new float[layout.ParameterCount];
        float[] eps = new float[Rows * Latent], nll = new float[Rows], kl = new float[Rows];
        accelerator.Download<float>(model.Parameters, parameters);
        accelerator.Download<float>(model.Gradients, gradient32);
        accelerator.Download(workspace.Eps(Rows), eps);
        accelerator.Download(workspace.Nll(Rows), nll);
        accelerator.Download(workspace.Kl(Rows), kl);
        Assert.Contains(eps, e => e != 0f);

        var reference = new ReferenceVae(layout, input, eps, Rows, beta);
        double[] p = parameters.Select(v => (double)v).ToArray();
        var analytic = new double[p.Length];
        var (referenceNll, referenceKl) = reference.Loss(p, analytic);

        // The accelerator's per-row loss terms agree with the float64 forward.
        for (int r = 0; r < Rows; r++)
        {
            Assert.True(Math.Abs(nll[r] - referenceNll[r]) <= 1e-5 * (1 + Math.Abs(referenceNll[r])), $"nll[{r}] {nll[r]} vs {referenceNll[r]}");
            Assert.True(Math.Abs(kl[r] - referenceKl[r]) <= 1e-5 * (1 + Math.Abs(referenceKl[r])), $"kl[{r}] {kl[r]} vs {referenceKl[r]}");
        }

        // (a) The float64 analytic gradient against central differences. A (leaky) ReLU unit whose
        // pre-activation lies within the step of its kink would make the difference quotient straddle
        // the kink: the step shrinks below the nearest kink distance (all pre-activations move by
        // O(step) when one parameter moves by step), down to 1e-7, where rounding is still ~1e-8 of the floor.
        double kink = reference.KinkDistance;
        double step = Math.Clamp(kink * 1e-2, 1e-7, Step);
        Assert.True(kink > 1e-5, $"a pre-activation is {kink:G3} from a kink: choose another seed");
        double worst = 0;
        string worstAt = "";
        for (int k = 0; k < p.Length; k++)
        {
            double saved = p[k];
            p[k] = saved + step;
            double plus = reference.Total(p);
            p[k] = saved - step;
            double minus = reference.Total(p);
            p[k] = saved;
            double finiteDifference = (plus - minus) / (2 * step);
            double error = Math.Abs(finiteDifference - analytic[k]) /
                           Math.Max(Floor, Math.Max(Math.Abs(finiteDifference), Math.Abs(analytic[k])));
            if (error > worst)
            {
                worst = error;
                worstAt = $"{Describe(layout, k)}: finite difference {finiteDifference:G9}, analytic {analytic[k]:G9}";
            }
        }
        Assert.True(worst <= FiniteDifferenceTolerance, $"relative error {worst:G3} at {worstAt}");

        // (b) The accelerator's float32 gradient against the float64 analytic gradient, layer by layer
        // (and the logσ block when σ is learned).
        if (layout.LogSigmaOffset is { } sigmaAt)
        {
            double scale = Enumerable.Range(sigmaAt, InputSize).Max(k => Math.Abs(analytic[k]));
            int worstSigma = Enumerable.Range(sigmaAt, InputSize).MaxBy(k => Math.Abs(gradient32[k] - analytic[k]));
            Assert.True(scale > 0, "logσ: the gradient is identically zero");
            Assert.True(Math.Abs(gradient32[worstSigma] - analytic[worstSigma]) <= Float32Tolerance * scale,
                $"logσ[{worstSigma - sigmaAt}]: float32 {gradient32[worstSigma]:G9}, float64 {analytic[worstSigma]:G9}");
        }
        foreach (LinearLayer layer in layout.Layers)
        {
            double scale = 0, largestError = 0;
            int largestAt = layer.WeightOffset;
            for (int k = layer.WeightOffset; k < layer.WeightOffset + layer.ParameterCount; k++)
            {
                scale = Math.Max(scale, Math.Abs(analytic[k]));
                double error = Math.Abs(gradient32[k] - analytic[k]);
                if (error > largestError) (largestError, largestAt) = (error, k);
            }
            Assert.True(scale > 0, $"{layer.Name}: the gradient is identically zero");
            Assert.True(largestError <= Float32Tolerance * scale,
                $"{Describe(layout, largestAt)}: float32 {gradient32[largestAt]:G9}, float64 {analytic[largestAt]:G9} " +
                $"(error {largestError:G3}, layer max-abs {scale:G3})");
        }
    }

    private static string Describe(VaeLayout layout, int index)
    {
        if (layout.LogSigmaOffset is { } sigmaAt && index >= sigmaAt) return $"logσ[{index - sigmaAt}]";
        LinearLayer layer = layout.Layers.Last(l => l.WeightOffset <= index);
        return index < layer.BiasOffset
            ? $"{layer.Name}.weight[{(index - layer.WeightOffset) / layer.InFeatures}, {(index - layer.WeightOffset) % layer.InFeatures}]"
            : $"{layer.Name}.bias[{index - layer.BiasOffset}]";
    }

    /// <summary>The whole VAE in float64 over the flat parameter layout, with fixed noise.</summary>
    private sealed class ReferenceVae(VaeLayout layout, float[] input, float[] eps, int rows, double beta)
    {
        private readonly VaeArchitecture _architecture = layout.Architecture;

        /// <summary>The smallest |pre-activation| of a ReLU/leaky ReLU unit in the last <see cref="Loss"/> with a gradient.</summary>
        public double KinkDistance { get; private set; } = double.PositiveInfinity;

        private bool _trackKinks;

        public double Total(double[] p)
        {
            var (nll, kl) = Loss(p, null);
            double total = 0;
            for (int r = 0; r < rows; r++) total += nll[r] + beta * kl[r];
            return total / rows;
        }

        /// <summary>Per-row NLL and KL; with <paramref name="gradient"/>, ∂L/∂p of L = mean(nll + β·kl).</summary>
        public (double[] Nll, double[] Kl) Loss(double[] p, double[]? gradient)
        {
            _trackKinks = gradient is not null;
            if (_trackKinks) KinkDistance = double.PositiveInfinity;
            int latent = layout.Latent;
            LogVarClamp clamp = _architecture.LogVarClamp;

            // Encoder.
            var encoderOutputs = new List<double[]>();
            double[] h = input.Select(v => (double)v).ToArray();
            double[] x = h;
            foreach (LinearLayer layer in layout.Encoder)
            {
                h = Forward(layer, p, h, layer.Activation);
                encoderOutputs.Add(h);
            }
            double[] head = Forward(layout.Head, p, h, Activation.Identity);

            // Reparameterization and KL.
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

            // Decoder and reconstruction NLL.
            var decoderOutputs = new List<double[]>();
            double[] d = z;
            foreach (LinearLayer layer in layout.Decoder)
            {
                d = Forward(layer, p, d, layer.Activation);
                decoderOutputs.Add(d);
            }
            double[] logits = Forward(layout.Output, p, d, Activation.Identity);
            var nll = new double[rows];
            var dLogits = new double[rows * layout.InputSize];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < layout.InputSize; j++)
                {
                    int index = r * layout.InputSize + j;
                    double g;
                    if (layout.LogSigmaOffset is { } sigmaAt)
                    {
                        nll[r] += ReferenceOps.GaussianNll(p[sigmaAt + j], logits[index], input[index], out g, out double dLogSigma);
                        if (gradient is not null) gradient[sigmaAt + j] += dLogSigma / rows;
                    }
                    else nll[r] += ReferenceOps.Nll(_architecture.Likelihood, logits[index], input[index], out g);
                    dLogits[index] = g / rows;
                }
            if (gradient is null) return (nll, kl);

            // Backward: output layer and decoder, top down, into z.
            double[] upstream = dLogits;
            LinearLayer upper = layout.Output;
            for (int i = layout.Decoder.Count - 1; i >= -1; i--)
            {
                double[] layerInput = i >= 0 ? decoderOutputs[i] : z;
                Activation inputActivation = i >= 0 ? layout.Decoder[i].Activation : Activation.Identity;
                upstream = Backward(upper, p, gradient, upstream, layerInput, inputActivation);
                if (i >= 0) upper = layout.Decoder[i];
            }
            double[] dz = upstream;

            // Through the reparameterization: dμ = dz + (β/rows)·μ, dlv = dz·½σε + (β/rows)·½(e^lv − 1) inside the clamp.
            double weight = beta / rows;
            var dHead = new double[2 * rows * latent];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < latent; j++)
                {
                    int muIndex = 2 * r * latent + j, logVarIndex = muIndex + latent, index = r * latent + j;
                    double mu = head[muIndex], logVar = head[logVarIndex];
                    dHead[muIndex] = dz[index] + weight * mu;
                    dHead[logVarIndex] = logVar >= clamp.Min && logVar <= clamp.Max
                        ? dz[index] * 0.5 * Math.Exp(0.5 * logVar) * eps[index] + weight * 0.5 * (Math.Exp(logVar) - 1)
                        : 0;
                }

            // Head and encoder, top down.
            upstream = dHead;
            upper = layout.Head;
            for (int i = layout.Encoder.Count - 1; i >= -1; i--)
            {
                double[] layerInput = i >= 0 ? encoderOutputs[i] : x;
                Activation inputActivation = i >= 0 ? layout.Encoder[i].Activation : Activation.Identity;
                upstream = Backward(upper, p, gradient, upstream, layerInput, inputActivation);
                if (i >= 0) upper = layout.Encoder[i];
            }
            return (nll, kl);
        }

        private double[] Forward(LinearLayer layer, double[] p, double[] x, Activation activation)
        {
            var y = new double[rows * layer.OutFeatures];
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < layer.OutFeatures; o++)
                {
                    double sum = p[layer.BiasOffset + o];
                    for (int i = 0; i < layer.InFeatures; i++)
                        sum += x[r * layer.InFeatures + i] * p[layer.WeightOffset + o * layer.InFeatures + i];
                    y[r * layer.OutFeatures + o] = ReferenceOps.Activate(activation, sum);
                    if (_trackKinks && activation is Activation.Relu or Activation.LeakyRelu)
                        KinkDistance = Math.Min(KinkDistance, Math.Abs(sum));
                }
            return y;
        }

        /// <summary>Writes the layer's dW and db into <paramref name="gradient"/>; returns dx ⊙ act'(x).</summary>
        private double[] Backward(LinearLayer layer, double[] p, double[] gradient, double[] dy, double[] x, Activation inputActivation)
        {
            int inFeatures = layer.InFeatures, outFeatures = layer.OutFeatures;
            var dx = new double[rows * inFeatures];
            for (int o = 0; o < outFeatures; o++)
            {
                double db = 0;
                for (int r = 0; r < rows; r++) db += dy[r * outFeatures + o];
                gradient[layer.BiasOffset + o] = db;
                for (int i = 0; i < inFeatures; i++)
                {
                    double dw = 0;
                    for (int r = 0; r < rows; r++) dw += dy[r * outFeatures + o] * x[r * inFeatures + i];
                    gradient[layer.WeightOffset + o * inFeatures + i] = dw;
                }
            }
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < inFeatures; i++)
                {
                    double sum = 0;
                    for (int o = 0; o < outFeatures; o++)
                        sum += dy[r * outFeatures + o] * p[layer.WeightOffset + o * inFeatures + i];
                    dx[r * inFeatures + i] = sum * ReferenceOps.DerivativeFromOutput(inputActivation, x[r * inFeatures + i]);
                }
            return dx;
        }
    }
}
