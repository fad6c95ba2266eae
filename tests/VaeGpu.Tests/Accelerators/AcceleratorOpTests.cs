using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// Every op of <see cref="IAccelerator"/> run through an accelerator and compared against the
/// float64 <see cref="ReferenceOps"/>. A subclass per accelerator supplies <see cref="CreateAccelerator"/>;
/// a device accelerator overrides <see cref="SkipReason"/> so that its tests skip visibly when the
/// device is absent.
///
/// Every operand lives at a non-zero offset inside a larger buffer whose margins hold a sentinel,
/// and every output is poisoned with NaN before the op runs: an element the op forgot to write
/// fails the comparison (NaN compares false), an element written outside its span fails the guard.
///
/// Tolerances. ε = 2⁻²³ (float's machine epsilon). A float32 dot product of length K, summed in any
/// order, has an error below K·ε·Σ|terms| in the worst case and about √K·ε·Σ|terms| in practice
/// (rounding errors behave like a random walk); the tests accept
///     |got − ref| ≤ 4·ε·√(K + 1) · (Σ|terms| + |bias|) + tiny,
/// the +1 for the bias add, the factor 4 for the blocking/FMA orders of different kernels. Element-wise
/// results (activations, losses, Adam) are allowed a few ε relative to the magnitudes of the terms
/// they are made of; TensorPrimitives.Tanh/Sigmoid differ from Math.Tanh by up to ~1e-6 relative,
/// hence 16·ε for those. Errors propagated from a dot product go through the derivative of what
/// follows it (every activation is 1-Lipschitz; a logit error moves a BCE by at most |σ − x| ≤ 1).
/// </summary>
public abstract class AcceleratorOpTests : IDisposable
{
    protected const double Eps32 = 1.0 / (1 << 23);
    private const double Tiny = 1e-30;
    private const int Margin = 3;
    private const float Sentinel = 1234.5f;

    private readonly List<IDisposable> _owned = [];
    private IAccelerator? _accelerator;

    protected abstract IAccelerator CreateAccelerator();

    /// <summary>
    /// False when <see cref="CreateAccelerator"/> hands out one accelerator shared by every test of the
    /// class (an ILGPU device compiles all its kernels when created: seconds on CUDA, per test otherwise).
    /// </summary>
    protected virtual bool OwnsAccelerator => true;

    /// <summary>Non-null when the accelerator cannot run here (no device): every test skips with this reason.</summary>
    protected virtual string? SkipReason => null;

    /// <summary>
    /// The one test a suite shows where its device is absent (its [SuiteFact]/[SuiteTheory] cases are then
    /// not discovered: <see cref="RequiresDeviceAttribute"/>), skipped with the reason; where the device is
    /// there it checks that the accelerator starts and names itself.
    /// </summary>
    [Fact]
    public void Device_is_present_or_the_suite_is_skipped_with_the_reason() => Assert.False(string.IsNullOrWhiteSpace(Accelerator.Name));

    /// <summary>
    /// Absolute tolerance on the noise against <see cref="VaeGpu.Random.PhiloxNormal.NoiseAt"/> (relative to 1 + |ε|):
    /// 0 for the CPU, which uses the same code; a device whose log/sin/cos round differently overrides it.
    /// </summary>
    protected virtual double NoiseTolerance => 0;

    protected IAccelerator Accelerator
    {
        get
        {
            string? reason = SkipReason;
            Assert.SkipWhen(reason is not null, reason ?? "");
            return _accelerator ??= CreateAccelerator();
        }
    }

    public void Dispose()
    {
        foreach (IDisposable buffer in _owned) buffer.Dispose();
        if (OwnsAccelerator) _accelerator?.Dispose();
        GC.SuppressFinalize(this);
    }

    // ---------------------------------------------------------------- shapes

    public static TheoryData<int, int, int> LinearShapes => new()
    {
        { 1, 1, 1 },
        { 2, 3, 5 },
        { 7, 17, 9 },
        { 1, 300, 1 },
        { 7, 1, 17 },
        { 128, 13, 1 },
        { 33, 8, 16 },
        { 33, 16, 8 },
        { 2, 97, 131 },
        { 33, 200, 300 },
        { 7, 25, 23 },
        // The model's own shapes (784-400-20 on batches of 128).
        { 128, 784, 400 },
        { 128, 400, 40 },
        { 128, 20, 400 },
        { 128, 400, 784 },
    };

    public static readonly Activation[] AllActivations =
        [Activation.Identity, Activation.Relu, Activation.Tanh, Activation.LeakyRelu, Activation.Sigmoid];

    public static TheoryData<int, int, int, Activation> LinearCases
    {
        get
        {
            var data = new TheoryData<int, int, int, Activation>();
            foreach (var row in LinearShapes)
            {
                var (rows, inFeatures, outFeatures) = row.Data;
                foreach (Activation activation in AllActivations) data.Add(rows, inFeatures, outFeatures, activation);
            }
            return data;
        }
    }

    // ---------------------------------------------------------------- LinearForward

    [SuiteTheory]
    [MemberData(nameof(LinearCases))]
    public void LinearForwardMatchesReference(int rows, int inFeatures, int outFeatures, Activation activation)
    {
        var random = new System.Random(Seed(1, rows, inFeatures, outFeatures, (int)activation));
        float[] x = RandomValues(random, rows * inFeatures, 1.0);
        float[] w = RandomValues(random, outFeatures * inFeatures, 1.0 / Math.Sqrt(inFeatures));
        float[] b = RandomValues(random, outFeatures, 0.5);

        DeviceSpan<float> y = Output(rows * outFeatures);
        Accelerator.LinearForward(Input(x), Input(w), Input(b), y, rows, inFeatures, outFeatures, activation);
        float[] got = Read(y);

        var (expected, _, magnitude) = ReferenceOps.LinearForward(x, w, b, rows, inFeatures, outFeatures, activation);
        double rtol = DotRtol(inFeatures);
        double elementRtol = activation is Activation.Tanh or Activation.Sigmoid ? 16 * Eps32 : 2 * Eps32;
        // TensorPrimitives.Tanh (.NET 10) is accurate to ~1 ulp of 1 in absolute terms, not relative to
        // the result: near 0 it is off by up to 1.2e-7 (measured; 260× relative at x = 2e-10).
        double elementAbsolute = activation == Activation.Tanh ? 2 * Eps32 : 0;
        AssertClose("y", got, i => expected[i], i =>
            rtol * magnitude[i] + elementRtol * Math.Abs(expected[i]) + elementAbsolute + Tiny);
    }

    // ---------------------------------------------------------------- LinearBackward

    [SuiteTheory]
    [MemberData(nameof(LinearCases))]
    public void LinearBackwardMatchesReference(int rows, int inFeatures, int outFeatures, Activation inputActivation)
    {
        var random = new System.Random(Seed(2, rows, inFeatures, outFeatures, (int)inputActivation));
        // x is the output of the layer below, so it is act(something): tanh in (−1, 1), relu ≥ 0 with exact zeros.
        float[] x = RandomValues(random, rows * inFeatures, 2.0);
        for (int i = 0; i < x.Length; i++) x[i] = Activations.Apply(inputActivation, x[i]);
        float[] dy = RandomValues(random, rows * outFeatures, 1.0);
        float[] w = RandomValues(random, outFeatures * inFeatures, 1.0 / Math.Sqrt(inFeatures));

        DeviceSpan<float> dw = Output(outFeatures * inFeatures), db = Output(outFeatures), dx = Output(rows * inFeatures);
        Accelerator.LinearBackward(Input(dy), Input(x), Input(w), dw, db, dx, rows, inFeatures, outFeatures, inputActivation);
        float[] gotDw = Read(dw), gotDb = Read(db), gotDx = Read(dx);

        var expected = ReferenceOps.LinearBackward(dy, x, w, rows, inFeatures, outFeatures, inputActivation);
        double rowsRtol = DotRtol(rows);
        AssertClose("dw", gotDw, i => expected.Dw[i], i => rowsRtol * expected.DwMagnitude[i] + Tiny);
        AssertClose("db", gotDb, i => expected.Db[i], i => rowsRtol * expected.DbMagnitude[i] + Tiny);

        // dx = S·d with S a dot product of length out and d = act'(x) evaluated in float from x:
        // exact for the piecewise-linear activations, within a few ε (absolute, |x| < 1) for tanh and sigmoid.
        double outRtol = DotRtol(outFeatures);
        double derivativeError = inputActivation is Activation.Tanh or Activation.Sigmoid ? 4 * Eps32 : 0;
        AssertClose("dx", gotDx, i => expected.Dx[i], i =>
            outRtol * expected.DxMagnitude[i] * (Math.Abs(expected.Derivative[i]) + derivativeError) +
            Math.Abs(expected.DxSum[i]) * derivativeError + 2 * Eps32 * Math.Abs(expected.Dx[i]) + Tiny);
    }

    [SuiteFact]
    public void LinearBackwardWithoutDxWritesDwAndDb()
    {
        const int rows = 9, inFeatures = 19, outFeatures = 11;
        var random = new System.Random(3);
        float[] x = RandomValues(random, rows * inFeatures, 1.0);
        float[] dy = RandomValues(random, rows * outFeatures, 1.0);
        float[] w = RandomValues(random, outFeatures * inFeatures, 0.3);
        DeviceSpan<float> dw = Output(outFeatures * inFeatures), db = Output(outFeatures);
        Accelerator.LinearBackward(Input(dy), Input(x), Input(w), dw, db, default, rows, inFeatures, outFeatures, Activation.Relu);
        var expected = ReferenceOps.LinearBackward(dy, x, w, rows, inFeatures, outFeatures, Activation.Relu);
        AssertClose("dw", Read(dw), i => expected.Dw[i], i => DotRtol(rows) * expected.DwMagnitude[i] + Tiny);
        AssertClose("db", Read(db), i => expected.Db[i], i => DotRtol(rows) * expected.DbMagnitude[i] + Tiny);
    }

    [SuiteFact]
    public void ZeroRowsWriteNothingButZeroWeightGradients()
    {
        const int inFeatures = 9, outFeatures = 5, latent = 3;
        var random = new System.Random(11);
        float[] w = RandomValues(random, outFeatures * inFeatures, 0.3), b = RandomValues(random, outFeatures, 0.3);
        DeviceSpan<float> empty = Output(0);
        Accelerator.LinearForward(Output(0), Input(w), Input(b), empty, 0, inFeatures, outFeatures, Activation.Tanh);
        Assert.Empty(Read(empty));

        // Sums over no rows are zero: dw = dyᵀ·x and db are written as zeros.
        DeviceSpan<float> dw = Output(outFeatures * inFeatures), db = Output(outFeatures);
        Accelerator.LinearBackward(Output(0), Output(0), Input(w), dw, db, Output(0), 0, inFeatures, outFeatures, Activation.Relu);
        Assert.All(Read(dw), value => Assert.Equal(0f, value));
        Assert.All(Read(db), value => Assert.Equal(0f, value));

        // Every zero-length output is read back: Read fails if anything was written around it, and the
        // counters must come back unchanged.
        DeviceSpan<float> nll = Output(0), dLogits = Output(0);
        Accelerator.ElboOutput(Output(0), Input(w), Input(b), Output(0), nll, dLogits, 0, inFeatures, outFeatures,
            Likelihood.Bernoulli, 1f);
        Assert.Empty(Read(nll));
        Assert.Empty(Read(dLogits));
        DeviceSpan<float> z = Output(0), eps = Output(0), kl = Output(0);
        DeviceSpan<uint> counter = Counter(5);
        Accelerator.Reparameterize(Output(0), z, eps, kl, 0, latent, new LogVarClamp(-1, 1), new NoiseSource(1, 0), counter);
        Assert.Empty(Read(z));
        Assert.Empty(Read(eps));
        Assert.Empty(Read(kl));
        DeviceSpan<float> dHead = Output(0);
        Accelerator.ReparameterizeBackward(Output(0), Output(0), Output(0), dHead, 0, latent, new LogVarClamp(-1, 1),
            new KlWeight(1, 0), 1f, counter);
        Assert.Empty(Read(dHead));
        Assert.Equal(5u, ReadCounter(counter));
        DeviceSpan<float> gathered = Output(0);
        DeviceBuffer<byte> images = Own(Accelerator.Allocate<byte>(inFeatures));
        Accelerator.GatherRows(images, Own(Accelerator.Allocate<int>(1)).Slice(0, 0), gathered, 0, inFeatures);
        Assert.Empty(Read(gathered));
        DeviceSpan<float> sum = Output(1);
        Accelerator.Reduce(Output(0), sum);
        Assert.Equal([0f], Read(sum));
    }

    // ---------------------------------------------------------------- Reparameterize

    public static TheoryData<int, int, float, uint> ReparameterizeCases => new()
    {
        { 1, 1, 1f, 0u },
        { 2, 3, 1f, 5u },
        { 7, 20, 1f, 12345u },
        { 33, 7, 0.5f, 1u },
        { 128, 20, 1f, 77u },
        { 128, 20, 0f, 3u },
        { 7, 9, 0f, 0u },
    };

    [SuiteTheory]
    [MemberData(nameof(ReparameterizeCases))]
    public void ReparameterizeMatchesReference(int rows, int latent, float temperature, uint step)
    {
        var random = new System.Random(Seed(4, rows, latent, (int)step, (int)(temperature * 10)));
        var clamp = new LogVarClamp(-4f, 3f);
        // logvar spread over [−6, 5] so that both ends of the clamp are exercised.
        float[] head = new float[2 * rows * latent];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < latent; j++)
            {
                head[2 * r * latent + j] = (float)(random.NextDouble() * 4 - 2);
                head[(2 * r + 1) * latent + j] = (float)(random.NextDouble() * 11 - 6);
            }
        var noise = new NoiseSource(0xC0FFEE_1234UL, NoiseStreams.TrainNoise, temperature);

        DeviceSpan<float> z = Output(rows * latent), eps = Output(rows * latent), kl = Output(rows);
        DeviceSpan<uint> counter = Counter(step);
        Accelerator.Reparameterize(Input(head), z, eps, kl, rows, latent, clamp, noise, counter);
        float[] gotZ = Read(z);

        AssertSample(head, gotZ, Read(eps), Read(kl), noise, step, rows, latent, clamp);
        if (temperature == 0f)
        {
            for (int i = 0; i < gotZ.Length; i++)
                Assert.Equal(head[2 * (i / latent) * latent + i % latent], gotZ[i]);
        }
        Assert.Equal(step, ReadCounter(counter));
    }

    /// <summary>eps against the reference noise, z and the per-row KL against the reference reparameterization of <paramref name="head"/>.</summary>
    private void AssertSample(float[] head, float[] gotZ, float[] gotEps, float[] gotKl, NoiseSource noise, uint step,
        int rows, int latent, LogVarClamp clamp)
    {
        float[] expectedEps = ReferenceOps.Noise(noise, step, rows, latent);
        AssertClose("eps", gotEps, i => expectedEps[i], i => NoiseTolerance * (1 + Math.Abs(expectedEps[i])));
        var (expectedZ, expectedKl, klMagnitude) = ReferenceOps.Reparameterize(head, gotEps, rows, latent, clamp);
        AssertClose("z", gotZ, i => expectedZ[i], i =>
            8 * Eps32 * (Math.Abs(head[2 * (i / latent) * latent + i % latent]) + Math.Abs(expectedZ[i]) +
                         Math.Exp(1.5) * Math.Abs(gotEps[i])) + Tiny);
        AssertClose("kl", gotKl, i => expectedKl[i], i => 8 * Eps32 * klMagnitude[i] + Tiny);
    }

    // ---------------------------------------------------------------- HeadAndReparameterize

    [SuiteTheory]
    [InlineData(1, 1, 1, 0u)]
    [InlineData(7, 17, 3, 5u)]
    [InlineData(129, 13, 5, 12345u)]
    [InlineData(33, 97, 9, 1u)]
    [InlineData(128, 400, 20, 77u)]   // the model's head
    public void HeadAndReparameterizeMatchesReference(int rows, int inFeatures, int latent, uint step)
    {
        var random = new System.Random(Seed(16, rows, inFeatures, latent, (int)step));
        var clamp = new LogVarClamp(-4f, 3f);
        float[] x = RandomValues(random, rows * inFeatures, 1.0);
        float[] w = RandomValues(random, 2 * latent * inFeatures, 1.0 / Math.Sqrt(inFeatures));
        // Bias spread so that the logvar columns cross both ends of the clamp.
        float[] b = [.. RandomValues(random, latent, 1.0), .. RandomValues(random, latent, 6.0)];
        var noise = new NoiseSource(0xC0FFEE_1234UL, NoiseStreams.TrainNoise);

        DeviceSpan<float> head = Output(2 * rows * latent), z = Output(rows * latent), eps = Output(rows * latent), kl = Output(rows);
        Accelerator.HeadAndReparameterize(Input(x), Input(w), Input(b), head, z, eps, kl, rows, inFeatures, latent, clamp, noise,
            Counter(step));
        float[] gotHead = Read(head);

        var (expectedHead, _, magnitude) = ReferenceOps.LinearForward(x, w, b, rows, inFeatures, 2 * latent, Activation.Identity);
        AssertClose("head", gotHead, i => expectedHead[i], i => DotRtol(inFeatures) * magnitude[i] + Tiny);
        AssertSample(gotHead, Read(z), Read(eps), Read(kl), noise, step, rows, latent, clamp);
    }

    [SuiteFact]
    public void ReparameterizeNoiseDependsOnSeedStreamAndStep()
    {
        const int rows = 4, latent = 5;
        float[] head = new float[2 * rows * latent];
        float[] Draw(ulong seed, uint stream, uint step)
        {
            DeviceSpan<float> z = Output(rows * latent), eps = Output(rows * latent), kl = Output(rows);
            Accelerator.Reparameterize(Input(head), z, eps, kl, rows, latent, new LogVarClamp(-10, 10),
                new NoiseSource(seed, stream), Counter(step));
            return Read(eps);
        }
        float[] baseline = Draw(1, 0, 0);
        Assert.Equal(baseline, Draw(1, 0, 0));
        Assert.NotEqual(baseline, Draw(2, 0, 0));
        Assert.NotEqual(baseline, Draw(1, 1, 0));
        Assert.NotEqual(baseline, Draw(1, 0, 1));
    }

    // ---------------------------------------------------------------- ReparameterizeBackward

    public static TheoryData<int, int, float, int, uint> ReparameterizeBackwardCases => new()
    {
        { 1, 1, 1f, 0, 0u },
        { 2, 3, 0.5f, 0, 7u },
        { 7, 20, 1f, 10, 3u },     // warm-up: β · 4/10
        { 33, 7, 2f, 100, 250u },  // warm-up over: β
        { 128, 20, 1f, 1000, 0u }, // first step of a long warm-up: β/1000
    };

    [SuiteTheory]
    [MemberData(nameof(ReparameterizeBackwardCases))]
    public void ReparameterizeBackwardMatchesReference(int rows, int latent, float beta, int warmup, uint step)
    {
        var random = new System.Random(Seed(5, rows, latent, warmup, (int)step));
        var clamp = new LogVarClamp(-4f, 3f);
        float[] head = new float[2 * rows * latent];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < latent; j++)
            {
                head[2 * r * latent + j] = (float)(random.NextDouble() * 4 - 2);
                head[(2 * r + 1) * latent + j] = (float)(random.NextDouble() * 11 - 6);
            }
        // The clamp's ends themselves are inside it.
        head[latent] = clamp.Min;
        if (rows > 1) head[3 * latent] = clamp.Max;
        float[] dz = RandomValues(random, rows * latent, 1.0);
        float[] eps = RandomValues(random, rows * latent, 2.0);
        var klWeight = new KlWeight(beta, warmup);
        float klScale = 1f / rows;

        DeviceSpan<float> dHead = Output(2 * rows * latent);
        Accelerator.ReparameterizeBackward(Input(dz), Input(head), Input(eps), dHead, rows, latent, clamp, klWeight, klScale,
            Counter(step));
        float[] got = Read(dHead);

        double[] expected = ReferenceOps.ReparameterizeBackward(dz, head, eps, rows, latent, clamp, klWeight, klScale, step);
        double weight = (double)klWeight.At(step) * klScale;
        int outside = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < latent; j++)
            {
                int muIndex = 2 * r * latent + j, logVarIndex = muIndex + latent, index = r * latent + j;
                double muTolerance = 4 * Eps32 * (Math.Abs(dz[index]) + Math.Abs(weight * head[muIndex])) + Tiny;
                AssertElement("dμ", muIndex, got[muIndex], expected[muIndex], muTolerance);
                if (!clamp.Passes(head[logVarIndex]))
                {
                    outside++;
                    Assert.True(got[logVarIndex] == 0f, $"dlogvar[{logVarIndex}] = {got[logVarIndex]} for logvar {head[logVarIndex]} outside the clamp");
                    continue;
                }
                double variance = Math.Exp(head[logVarIndex]);
                double lvTolerance = 8 * Eps32 * (Math.Abs(dz[index] * 0.5 * Math.Sqrt(variance) * eps[index]) +
                                                  Math.Abs(weight) * 0.5 * (variance + 1)) + Tiny;
                AssertElement("dlogvar", logVarIndex, got[logVarIndex], expected[logVarIndex], lvTolerance);
            }
        }
        if (rows * latent >= 20) Assert.True(outside > 0, "no logvar fell outside the clamp");
    }

    // ---------------------------------------------------------------- ElboOutput

    public static TheoryData<int, int, int, LikelihoodKind, float> ElboCases
    {
        get
        {
            var data = new TheoryData<int, int, int, LikelihoodKind, float>();
            (int, int, int)[] shapes =
                [(1, 1, 1), (2, 3, 5), (7, 17, 9), (33, 8, 16), (7, 97, 131), (33, 200, 300), (128, 400, 784), (1, 20, 1)];
            foreach (var (rows, hidden, outFeatures) in shapes)
            {
                data.Add(rows, hidden, outFeatures, LikelihoodKind.Bernoulli, 1f / rows);
                data.Add(rows, hidden, outFeatures, LikelihoodKind.Gaussian, 0.37f);
            }
            data.Add(5, 11, 7, LikelihoodKind.Bernoulli, 3f);
            data.Add(5, 11, 7, LikelihoodKind.Gaussian, 1f);
            return data;
        }
    }

    [SuiteTheory]
    [MemberData(nameof(ElboCases))]
    public void ElboOutputMatchesReference(int rows, int hidden, int outFeatures, LikelihoodKind kind, float gradScale)
    {
        var random = new System.Random(Seed(6, rows, hidden, outFeatures, (int)kind));
        Likelihood likelihood = kind == LikelihoodKind.Bernoulli ? Likelihood.Bernoulli : Likelihood.Gaussian(0.3f);
        float[] h = RandomValues(random, rows * hidden, 1.0);
        float[] w = RandomValues(random, outFeatures * hidden, 3.0 / Math.Sqrt(hidden));
        float[] b = RandomValues(random, outFeatures, 0.5);
        // Targets in [0, 1]: binary, fractional, and the ends.
        float[] target = new float[rows * outFeatures];
        for (int i = 0; i < target.Length; i++)
            target[i] = (i % 3) switch { 0 => random.Next(2), 1 => (float)random.NextDouble(), _ => random.Next(256) / 255f };

        DeviceSpan<float> nll = Output(rows), dLogits = Output(rows * outFeatures);
        Accelerator.ElboOutput(Input(h), Input(w), Input(b), Input(target), nll, dLogits, rows, hidden, outFeatures,
            likelihood, gradScale);
        float[] gotNll = Read(nll), gotGradient = Read(dLogits);

        DeviceSpan<float> nllOnly = Output(rows);
        Accelerator.ElboOutput(Input(h), Input(w), Input(b), Input(target), nllOnly, default, rows, hidden, outFeatures,
            likelihood, gradScale);
        Assert.Equal(gotNll, Read(nllOnly));

        var expected = ReferenceOps.ElboOutput(h, w, b, target, rows, hidden, outFeatures, likelihood, gradScale);
        double rtol = DotRtol(hidden);
        double sigmaSquared = (double)likelihood.Sigma * likelihood.Sigma;
        var rowTolerance = new double[rows];
        var gradientTolerance = new double[rows * outFeatures];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < outFeatures; j++)
            {
                int i = r * outFeatures + j;
                double logit = expected.Logits[i], x = target[i], logitTolerance = rtol * expected.LogitMagnitude[i];
                if (kind == LikelihoodKind.Bernoulli)
                {
                    // NLL moves by at most |σ − x| ≤ 1 per unit of logit; sigmoid by at most 1/4.
                    double sigmoid = 1 / (1 + Math.Exp(-logit));
                    rowTolerance[r] += logitTolerance + 8 * Eps32 * (Math.Abs(logit) + Math.Abs(logit * x) + 1);
                    gradientTolerance[i] = Math.Abs(gradScale) * (0.25 * logitTolerance + 4 * Eps32 * (sigmoid + x)) + Tiny;
                }
                else
                {
                    double difference = Math.Abs(logit - x);
                    rowTolerance[r] += (difference + logitTolerance) * logitTolerance / sigmaSquared +
                                       8 * Eps32 * (difference * difference / (2 * sigmaSquared) + 2);
                    gradientTolerance[i] = Math.Abs(gradScale) * (logitTolerance + 4 * Eps32 * difference) / sigmaSquared + Tiny;
                }
            }
            rowTolerance[r] += Eps32 * Math.Abs(expected.Nll[r]) + Tiny;
        }
        AssertClose("nll", gotNll, r => expected.Nll[r], r => rowTolerance[r]);
        AssertClose("dLogits", gotGradient, i => expected.DLogits[i], i => gradientTolerance[i]);
    }

    public static TheoryData<int, int, int, float> LearnedSigmaCases => new()
    {
        { 1, 1, 1, 1f },
        { 2, 3, 5, 0.5f },
        { 7, 17, 9, 1f / 7 },
        { 33, 20, 30, 1f / 33 },
        { 128, 64, 30, 1f / 128 },
    };

    /// <summary>A Gaussian with σ learned per feature: each output column has its own logσ.</summary>
    [SuiteTheory]
    [MemberData(nameof(LearnedSigmaCases))]
    public void ElboOutputWithLearnedSigmaMatchesReference(int rows, int hidden, int outFeatures, float gradScale)
    {
        var random = new System.Random(Seed(15, rows, hidden, outFeatures, 0));
        float[] h = RandomValues(random, rows * hidden, 1.0);
        float[] w = RandomValues(random, outFeatures * hidden, 1.0 / Math.Sqrt(hidden));
        float[] b = RandomValues(random, outFeatures, 0.5);
        float[] target = RandomValues(random, rows * outFeatures, 1.5);
        float[] logSigma = RandomValues(random, outFeatures, 1.0);
        Likelihood likelihood = Likelihood.GaussianLearned(0.5f);

        DeviceSpan<float> nll = Output(rows), dLogits = Output(rows * outFeatures);
        Accelerator.ElboOutput(Input(h), Input(w), Input(b), Input(target), nll, dLogits, rows, hidden, outFeatures,
            likelihood, gradScale, Input(logSigma));
        float[] gotNll = Read(nll), gotGradient = Read(dLogits);

        var expected = ReferenceOps.ElboOutput(h, w, b, target, rows, hidden, outFeatures, likelihood, gradScale, logSigma);
        double rtol = DotRtol(hidden);
        var rowTolerance = new double[rows];
        var gradientTolerance = new double[rows * outFeatures];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < outFeatures; j++)
            {
                int i = r * outFeatures + j;
                double variance = Math.Exp(2.0 * logSigma[j]);
                double difference = Math.Abs(expected.Logits[i] - target[i]), logitTolerance = rtol * expected.LogitMagnitude[i];
                // σ² = exp(logσ)² in float: a few ε relative on top of the Gaussian's own terms.
                rowTolerance[r] += (difference + logitTolerance) * logitTolerance / variance +
                                   8 * Eps32 * (difference * difference / (2 * variance) + Math.Abs(logSigma[j]) + 2);
                gradientTolerance[i] = Math.Abs(gradScale) * (logitTolerance + 8 * Eps32 * difference) / variance + Tiny;
            }
            rowTolerance[r] += Eps32 * Math.Abs(expected.Nll[r]) + Tiny;
        }
        AssertClose("nll", gotNll, r => expected.Nll[r], r => rowTolerance[r]);
        AssertClose("dLogits", gotGradient, i => expected.DLogits[i], i => gradientTolerance[i]);
    }

    [SuiteTheory]
    [MemberData(nameof(LearnedSigmaCases))]
    public void LogSigmaGradientMatchesReference(int rows, int hidden, int features, float gradScale)
    {
        _ = hidden;
        var random = new System.Random(Seed(16, rows, features, 0, 0));
        float[] logSigma = RandomValues(random, features, 1.0);
        // dLogits as ElboOutput writes them: gradScale·(μ − x)/σ².
        float[] differences = RandomValues(random, rows * features, 2.0);
        float[] dLogits = new float[rows * features];
        for (int i = 0; i < dLogits.Length; i++)
            dLogits[i] = (float)(gradScale * differences[i] / Math.Exp(2.0 * logSigma[i % features]));

        DeviceSpan<float> dLogSigma = Output(features);
        Accelerator.LogSigmaGradient(Input(dLogits), Input(logSigma), dLogSigma, rows, features, gradScale);

        float[] got = Read(dLogSigma);
        for (int j = 0; j < features; j++)
        {
            double variance = Math.Exp(2.0 * logSigma[j]), sum = 0, magnitude = 0;
            for (int r = 0; r < rows; r++)
            {
                double scaled = dLogits[r * features + j] / (double)gradScale;
                double term = gradScale * (1 - scaled * scaled * variance);
                sum += term;
                magnitude += Math.Abs(gradScale) * (1 + scaled * scaled * variance);
            }
            AssertElement("dLogSigma", j, got[j], sum, (DotRtol(rows) + 16 * Eps32) * magnitude + Tiny);
        }
    }

    // ---------------------------------------------------------------- AdamStep

    [SuiteTheory]
    [InlineData(1, 0u)]
    [InlineData(7, 0u)]
    [InlineData(8, 3u)]
    [InlineData(9, 0u)]
    [InlineData(100003, 0u)]
    [InlineData(100003, 999u)]
    public void AdamStepsMatchReference(int length, uint firstStep)
    {
        var random = new System.Random(Seed(7, length, (int)firstStep, 0, 0));
        var adam = new AdamSettings(LearningRate: 0.01f, Beta1: 0.9f, Beta2: 0.999f, Epsilon: 1e-8f);
        float[] parameters = RandomValues(random, length, 1.0);
        float[] m = firstStep == 0 ? new float[length] : RandomValues(random, length, 0.1);
        float[] v = new float[length];
        if (firstStep != 0)
            for (int i = 0; i < length; i++) v[i] = (float)(random.NextDouble() * 0.01);

        DeviceSpan<float> p = Input(parameters), mSpan = Input(m), vSpan = Input(v);
        DeviceSpan<uint> counter = Counter(firstStep);
        for (int step = 0; step < 4; step++)
        {
            float[] gradients = RandomValues(random, length, step == 2 ? 1e-3 : 1.0);
            if (step == 3) Array.Clear(gradients, 0, Math.Min(3, length)); // a zero gradient with a non-zero m
            float[] before = Read(p), mBefore = Read(mSpan), vBefore = Read(vSpan);
            uint counterValue = ReadCounter(counter);
            Assert.Equal(firstStep + (uint)step, counterValue);

            Accelerator.AdamStep(p, Input(gradients), mSpan, vSpan, adam, counter);
            float[] gotP = Read(p), gotM = Read(mSpan), gotV = Read(vSpan);

            var (expectedP, expectedM, expectedV) = ReferenceOps.AdamStep(before, gradients, mBefore, vBefore, adam, counterValue);
            double beta1 = adam.Beta1, beta2 = adam.Beta2;
            AssertClose($"m (step {step})", gotM, i => expectedM[i],
                i => 4 * Eps32 * (beta1 * Math.Abs(mBefore[i]) + (1 - beta1) * Math.Abs(gradients[i])) + Tiny);
            AssertClose($"v (step {step})", gotV, i => expectedV[i],
                i => 4 * Eps32 * (beta2 * vBefore[i] + (1 - beta2) * (double)gradients[i] * gradients[i]) + Tiny);
            // The update is Δ = k·m with k = lr/(1−β1ᵗ)/(√v/√(1−β2ᵗ) + ε): m's own error (which can be large
            // relative to m when β1·m and (1−β1)·g cancel) goes through k, v's relative error through ½.
            double correction1 = 1 - Math.Pow(beta1, counterValue + 1L), correction2 = 1 - Math.Pow(beta2, counterValue + 1L);
            AssertClose($"parameters (step {step})", gotP, i => expectedP[i], i =>
            {
                double mTolerance = 4 * Eps32 * (beta1 * Math.Abs(mBefore[i]) + (1 - beta1) * Math.Abs(gradients[i]));
                double vRelative = expectedV[i] > 0
                    ? 4 * Eps32 * (beta2 * vBefore[i] + (1 - beta2) * (double)gradients[i] * gradients[i]) / expectedV[i] : 0;
                double k = adam.LearningRate / correction1 / (Math.Sqrt(expectedV[i] / correction2) + adam.Epsilon);
                double delta = Math.Abs(expectedP[i] - before[i]);
                return 2 * Eps32 * Math.Abs(before[i]) + (16 * Eps32 + 0.5 * vRelative) * delta + k * mTolerance + Tiny;
            });
            Accelerator.AdvanceCounter(counter);
        }
        Assert.Equal(firstStep + 4, ReadCounter(counter));
    }

    [SuiteFact]
    public void AdamFirstStepMovesEveryParameterByTheLearningRate()
    {
        // With t = 1 and m = v = 0 the bias-corrected step is lr · g/|g| (ε aside): a check of the t = counter + 1 rule.
        const int length = 37;
        var adam = new AdamSettings(0.05f, 0.9f, 0.999f, 1e-12f);
        var random = new System.Random(8);
        float[] parameters = RandomValues(random, length, 1.0), gradients = RandomValues(random, length, 1.0);
        DeviceSpan<float> p = Input(parameters);
        Accelerator.AdamStep(p, Input(gradients), Input(new float[length]), Input(new float[length]), adam, Counter(0));
        float[] got = Read(p);
        for (int i = 0; i < length; i++)
            AssertElement("p", i, got[i], parameters[i] - 0.05 * Math.Sign(gradients[i]), 1e-6);
    }

    // ---------------------------------------------------------------- Reduce

    public static TheoryData<int> ReduceLengths
    {
        get
        {
            // Every length through the group-size edges (the device reduction runs groups of up to 256
            // lanes: 255, 256, 257, 511, 512, 513 are all in 0..520), then two long ones.
            var data = new TheoryData<int>();
            for (int n = 0; n <= 520; n++) data.Add(n);
            data.Add(1000);
            data.Add(100003);
            return data;
        }
    }

    [SuiteTheory]
    [MemberData(nameof(ReduceLengths))]
    public void ReduceMatchesReference(int length)
    {
        var random = new System.Random(Seed(9, length, 0, 0, 0));
        float[] source = RandomValues(random, length, 10.0);
        DeviceSpan<float> destination = Output(1);
        Accelerator.Reduce(Input(source), destination);
        var (sum, magnitude) = ReferenceOps.Reduce(source);
        AssertClose("sum", Read(destination), _ => sum, _ => DotRtol(length) * magnitude + Tiny);
    }

    // ---------------------------------------------------------------- GatherRows

    [SuiteTheory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 3, 7)]
    [InlineData(128, 784, 300)]
    [InlineData(33, 13, 10)]
    public void GatherRowsMatchesReference(int rows, int rowLength, int imageCount)
    {
        var random = new System.Random(Seed(10, rows, rowLength, imageCount, 0));
        byte[] images = new byte[rowLength * imageCount];
        random.NextBytes(images);
        images[0] = 0;
        images[^1] = 255;
        int[] indices = new int[rows];
        for (int i = 0; i < rows; i++) indices[i] = random.Next(imageCount);
        indices[0] = imageCount - 1;
        if (rows > 1) indices[1] = 0;
        if (rows > 2) indices[2] = indices[1]; // a repeated row

        DeviceBuffer<byte> imageBuffer = Uploaded(images);
        DeviceBuffer<int> indexBuffer = Uploaded<int>([-1, .. indices, -1]);
        DeviceSpan<float> destination = Output(rows * rowLength);
        Accelerator.GatherRows(imageBuffer, indexBuffer.Slice(1, rows), destination, rows, rowLength);

        double[] expected = ReferenceOps.GatherRows(images, indices, rows, rowLength);
        AssertClose("destination", Read(destination), i => expected[i], i => Eps32 * expected[i]);
    }

    // ---------------------------------------------------------------- GatherBatch

    [SuiteTheory]
    [InlineData(5, 3, 7, 0, 5)]
    [InlineData(5, 3, 7, 2, 5)]
    [InlineData(5, 3, 7, 3, 2)]   // the short last batch of 17 entries in batches of 5
    [InlineData(128, 784, 300, 1, 128)]
    [InlineData(1, 1, 1, 0, 1)]
    public void GatherBatchReadsTheBatchAtTheDeviceCursor(int batchSize, int rowLength, int imageCount, uint cursor, int rows)
    {
        var random = new System.Random(Seed(13, batchSize, rowLength, imageCount, (int)cursor));
        byte[] images = new byte[rowLength * imageCount];
        random.NextBytes(images);
        int orderLength = (int)cursor * batchSize + rows;
        int[] order = Enumerable.Range(0, orderLength).Select(_ => random.Next(imageCount)).ToArray();

        DeviceBuffer<byte> imageBuffer = Uploaded(images);
        DeviceBuffer<int> orderBuffer = Uploaded(order);
        DeviceSpan<uint> counter = Counter(cursor);
        DeviceSpan<float> destination = Output(rows * rowLength);
        Accelerator.GatherBatch(imageBuffer, orderBuffer, counter, batchSize, destination, rows, rowLength);

        int[] indices = order.Skip((int)cursor * batchSize).Take(rows).ToArray();
        double[] expected = ReferenceOps.GatherRows(images, indices, rows, rowLength);
        AssertClose("destination", Read(destination), i => expected[i], i => Eps32 * expected[i]);
        Assert.Equal(cursor, ReadCounter(counter));
    }

    // ---------------------------------------------------------------- GatherBatchLinearForward

    [SuiteTheory]
    [InlineData(5, 3, 7, 7, 3u, 2, Activation.Relu)]         // the short last batch of 17 entries in batches of 5
    [InlineData(1, 1, 1, 1, 0u, 1, Activation.Identity)]
    [InlineData(129, 13, 17, 300, 1u, 129, Activation.Tanh)]
    [InlineData(7, 97, 5, 50, 2u, 7, Activation.LeakyRelu)]
    [InlineData(128, 784, 400, 300, 1u, 128, Activation.Relu)]   // the model's first layer
    public void GatherBatchLinearForwardMatchesReference(int batchSize, int inFeatures, int outFeatures, int imageCount, uint cursor,
        int rows, Activation activation)
    {
        var random = new System.Random(Seed(17, batchSize, inFeatures, outFeatures, (int)cursor));
        byte[] images = new byte[inFeatures * imageCount];
        random.NextBytes(images);
        int[] order = Enumerable.Range(0, (int)cursor * batchSize + rows).Select(_ => random.Next(imageCount)).ToArray();
        float[] w = RandomValues(random, outFeatures * inFeatures, 1.0 / Math.Sqrt(inFeatures));
        float[] b = RandomValues(random, outFeatures, 0.5);

        DeviceSpan<float> input = Output(rows * inFeatures), y = Output(rows * outFeatures);
        DeviceSpan<uint> counter = Counter(cursor);
        Accelerator.GatherBatchLinearForward(Uploaded(images), Uploaded(order), counter, batchSize, input, Input(w), Input(b), y,
            rows, inFeatures, outFeatures, activation);

        double[] gathered = ReferenceOps.GatherRows(images, order.Skip((int)cursor * batchSize).Take(rows).ToArray(), rows, inFeatures);
        AssertClose("input", Read(input), i => gathered[i], i => Eps32 * gathered[i]);
        float[] x = gathered.Select(v => (float)v).ToArray();
        var (expected, _, magnitude) = ReferenceOps.LinearForward(x, w, b, rows, inFeatures, outFeatures, activation);
        double elementRtol = activation == Activation.Tanh ? 16 * Eps32 : 2 * Eps32;
        AssertClose("y", Read(y), i => expected[i], i =>
            DotRtol(inFeatures) * magnitude[i] + elementRtol * Math.Abs(expected[i]) + (activation == Activation.Tanh ? 2 * Eps32 : 0) + Tiny);
        Assert.Equal(cursor, ReadCounter(counter));
    }

    [SuiteFact]
    public void GatherBatchPastTheEndOfTheOrderWritesNanRows()
    {
        const int batchSize = 4, rowLength = 3, imageCount = 5;
        byte[] images = Enumerable.Range(0, rowLength * imageCount).Select(i => (byte)(i * 7)).ToArray();
        int[] order = [4, 3, 2, 1, 0, 4];  // 6 entries: batch 1 has 2 of its 4 rows
        DeviceBuffer<byte> imageBuffer = Uploaded(images);
        DeviceBuffer<int> orderBuffer = Uploaded(order);
        DeviceSpan<float> destination = Output(batchSize * rowLength);

        Accelerator.GatherBatch(imageBuffer, orderBuffer, Counter(1), batchSize, destination, batchSize, rowLength);

        float[] got = Read(destination);
        for (int j = 0; j < rowLength; j++)
        {
            Assert.Equal(images[0 * rowLength + j] / 255f, got[0 * rowLength + j]);
            Assert.Equal(images[4 * rowLength + j] / 255f, got[1 * rowLength + j]);
        }
        Assert.All(got.Skip(2 * rowLength), value => Assert.True(float.IsNaN(value)));
    }

    // ---------------------------------------------------------------- ReduceToSlot

    [SuiteTheory]
    [InlineData(1, 0u, 0)]
    [InlineData(37, 0u, 1)]
    [InlineData(128, 5u, 0)]
    [InlineData(128, 21u, 1)]   // wraps: slot 21 mod 4 = 1
    [InlineData(1000, 3u, 1)]
    public void ReduceToSlotWritesOnlyTheCursorsSlot(int length, uint cursor, int component)
    {
        const int slots = 4, width = 2;
        var random = new System.Random(Seed(14, length, (int)cursor, component, 0));
        float[] source = RandomValues(random, length, 10.0);
        float[] log = RandomValues(random, slots * width, 1.0);
        DeviceSpan<float> logSpan = Input(log);
        Accelerator.ReduceToSlot(Input(source), logSpan, width, component, Counter(cursor));

        float[] got = Read(logSpan);
        int target = (int)(cursor % slots) * width + component;
        var (sum, magnitude) = ReferenceOps.Reduce(source);
        for (int i = 0; i < got.Length; i++)
        {
            if (i == target) AssertElement("slot", i, got[i], sum, DotRtol(length) * magnitude + Tiny);
            else Assert.Equal(log[i], got[i]);
        }
    }

    // ---------------------------------------------------------------- FinishStep

    [SuiteTheory]
    [InlineData(1, 0u)]
    [InlineData(7, 2u)]
    [InlineData(129, 5u)]       // wraps: slot 5 mod 4 = 1
    [InlineData(1000, 4_000_000_003u)]
    public void FinishStepWritesTheCursorsSlotAndAdvancesBothCounters(int rows, uint cursor)
    {
        const int slots = 4;
        var random = new System.Random(Seed(15, rows, (int)(cursor % 1000), 0, 0));
        float[] nll = RandomValues(random, rows, 300.0), kl = RandomValues(random, rows, 20.0);
        float[] log = RandomValues(random, 2 * slots, 1.0);
        DeviceSpan<float> logSpan = Input(log);
        DeviceSpan<uint> step = Counter(41), cursorSpan = Counter(cursor);

        Accelerator.FinishStep(Input(nll), Input(kl), logSpan, step, cursorSpan);

        float[] got = Read(logSpan);
        int target = (int)(cursor % slots) * 2;
        var (reconSum, reconMagnitude) = ReferenceOps.Reduce(nll);
        var (klSum, klMagnitude) = ReferenceOps.Reduce(kl);
        for (int i = 0; i < got.Length; i++)
        {
            if (i == target) AssertElement("recon slot", i, got[i], reconSum, DotRtol(rows) * reconMagnitude + Tiny);
            else if (i == target + 1) AssertElement("KL slot", i, got[i], klSum, DotRtol(rows) * klMagnitude + Tiny);
            else Assert.Equal(log[i], got[i]);
        }
        Assert.Equal(42u, ReadCounter(step));
        Assert.Equal(cursor + 1, ReadCounter(cursorSpan));
    }

    [SuiteFact]
    public void GatherRowsWithAnIndexOutOfRangeWritesNanRowsAndTheOthersExactly()
    {
        const int rowLength = 5, imageCount = 4;
        byte[] images = Enumerable.Range(0, rowLength * imageCount).Select(i => (byte)(i * 13)).ToArray();
        int[] indices = [2, -1, imageCount, int.MaxValue, 0];
        DeviceBuffer<byte> imageBuffer = Uploaded(images);
        DeviceBuffer<int> indexBuffer = Uploaded(indices);
        DeviceSpan<float> destination = Output(indices.Length * rowLength);

        Accelerator.GatherRows(imageBuffer, indexBuffer, destination, indices.Length, rowLength);

        float[] got = Read(destination);
        for (int row = 0; row < indices.Length; row++)
        {
            for (int j = 0; j < rowLength; j++)
            {
                float value = got[row * rowLength + j];
                if (indices[row] is >= 0 and < imageCount)
                    Assert.Equal(images[indices[row] * rowLength + j] / 255f, value);
                else
                    Assert.True(float.IsNaN(value), $"row {row} (index {indices[row]}) element {j} is {value}, not NaN");
            }
        }
    }

    // ---------------------------------------------------------------- NaN and ±Inf inputs

    public static TheoryData<float> NonFinite => new(float.NaN, float.PositiveInfinity, float.NegativeInfinity);

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void ReduceOfANonFiniteInputIsNonFinite(float bad)
    {
        float[] source = RandomValues(new System.Random(21), 300, 1.0);
        source[137] = bad;
        DeviceSpan<float> sum = Output(1);
        Accelerator.Reduce(Input(source), sum);
        float got = Read(sum)[0];
        if (float.IsNaN(bad)) Assert.True(float.IsNaN(got), $"sum {got}");
        else Assert.Equal(bad, got);
    }

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void LinearForwardCarriesANonFiniteInputIntoItsRowOnly(float bad)
    {
        const int rows = 3, inFeatures = 7, outFeatures = 5;
        var random = new System.Random(22);
        float[] x = RandomValues(random, rows * inFeatures, 1.0), w = RandomValues(random, outFeatures * inFeatures, 0.5);
        float[] b = RandomValues(random, outFeatures, 0.1);
        x[1 * inFeatures + 3] = bad;
        DeviceSpan<float> y = Output(rows * outFeatures);
        Accelerator.LinearForward(Input(x), Input(w), Input(b), y, rows, inFeatures, outFeatures, Activation.Identity);
        float[] got = Read(y);
        for (int i = 0; i < got.Length; i++)
        {
            bool badRow = i / outFeatures == 1;
            Assert.True(badRow ? !float.IsFinite(got[i]) : float.IsFinite(got[i]), $"y[{i}] = {got[i]}");
        }
    }

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void ElboOutputReportsANonFiniteHiddenValueInThatRowsLoss(float bad)
    {
        const int rows = 3, hidden = 6, outFeatures = 8;
        var random = new System.Random(23);
        float[] h = RandomValues(random, rows * hidden, 1.0), w = RandomValues(random, outFeatures * hidden, 0.5);
        float[] b = RandomValues(random, outFeatures, 0.1);
        float[] target = Enumerable.Range(0, rows * outFeatures).Select(i => (i % 3) / 2f).ToArray();
        h[2 * hidden + 1] = bad;
        DeviceSpan<float> nll = Output(rows), dLogits = Output(rows * outFeatures);
        Accelerator.ElboOutput(Input(h), Input(w), Input(b), Input(target), nll, dLogits, rows, hidden, outFeatures,
            Likelihood.Bernoulli, 1f);
        float[] losses = Read(nll);
        Assert.True(float.IsFinite(losses[0]) && float.IsFinite(losses[1]), $"finite rows: {losses[0]}, {losses[1]}");
        // ±Inf logits give an infinite or NaN loss, or, where the target agrees with the saturated side, 0 with
        // an infinite term elsewhere in the row: either way the row is not silently a normal finite loss.
        float[] gradients = Read(dLogits);
        bool rowFlagged = !float.IsFinite(losses[2]) || gradients.Skip(2 * outFeatures).Any(g => !float.IsFinite(g));
        Assert.True(rowFlagged, $"row 2 loss {losses[2]} with a {bad} hidden value");
    }

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void AdamStepCarriesANonFiniteGradientIntoItsParameterOnly(float bad)
    {
        const int n = 40;
        var random = new System.Random(24);
        float[] p = RandomValues(random, n, 1.0), g = RandomValues(random, n, 1.0);
        g[17] = bad;
        DeviceSpan<float> parameters = Input(p), m = Input(new float[n]), v = Input(new float[n]);
        Accelerator.AdamStep(parameters, Input(g), m, v, new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), Counter(0));
        float[] got = Read(parameters);
        for (int i = 0; i < n; i++)
            Assert.True(i == 17 ? !float.IsFinite(got[i]) || float.IsNaN(Read(v)[i]) : float.IsFinite(got[i]), $"p[{i}] = {got[i]}");
    }

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void ReparameterizeCarriesANonFiniteMeanIntoItsElement(float bad)
    {
        const int rows = 2, latent = 3;
        float[] head = RandomValues(new System.Random(25), rows * 2 * latent, 0.5);
        head[1 * 2 * latent + 2] = bad; // μ of row 1, element 2
        DeviceSpan<float> z = Output(rows * latent), eps = Output(rows * latent), kl = Output(rows);
        Accelerator.Reparameterize(Input(head), z, eps, kl, rows, latent, new LogVarClamp(-4, 3), new NoiseSource(3, 0), Counter(1));
        float[] zs = Read(z), kls = Read(kl);
        for (int i = 0; i < zs.Length; i++)
            Assert.True(i == 1 * latent + 2 ? !float.IsFinite(zs[i]) : float.IsFinite(zs[i]), $"z[{i}] = {zs[i]}");
        Assert.True(float.IsFinite(kls[0]) && !float.IsFinite(kls[1]), $"kl = {kls[0]}, {kls[1]}");
    }

    // ---------------------------------------------------------------- AdvanceCounter

    [SuiteTheory]
    [InlineData(0u)]
    [InlineData(41u)]
    [InlineData(4_000_000_000u)]
    public void AdvanceCounterIncrementsOnlyItsElement(uint start)
    {
        DeviceBuffer<uint> buffer = Own(Accelerator.Allocate<uint>(3));
        Accelerator.Upload<uint>(buffer, [7u, start, 9u]);
        Accelerator.AdvanceCounter(buffer.Slice(1, 1));
        Accelerator.AdvanceCounter(buffer.Slice(1, 1));
        var values = new uint[3];
        Accelerator.Download<uint>(buffer, values);
        Assert.Equal([7u, start + 2, 9u], values);
    }

    // ---------------------------------------------------------------- shape errors

    [SuiteTheory]
    [InlineData("LinearForward", "x")]
    [InlineData("LinearForward", "w")]
    [InlineData("LinearForward", "b")]
    [InlineData("LinearForward", "y")]
    [InlineData("LinearBackward", "dy")]
    [InlineData("LinearBackward", "x")]
    [InlineData("LinearBackward", "w")]
    [InlineData("LinearBackward", "dw")]
    [InlineData("LinearBackward", "db")]
    [InlineData("LinearBackward", "dx")]
    [InlineData("Reparameterize", "head")]
    [InlineData("Reparameterize", "z")]
    [InlineData("Reparameterize", "eps")]
    [InlineData("Reparameterize", "kl")]
    [InlineData("Reparameterize", "counter")]
    [InlineData("ReparameterizeBackward", "dz")]
    [InlineData("ReparameterizeBackward", "head")]
    [InlineData("ReparameterizeBackward", "eps")]
    [InlineData("ReparameterizeBackward", "dHead")]
    [InlineData("ElboOutput", "h")]
    [InlineData("ElboOutput", "w")]
    [InlineData("ElboOutput", "b")]
    [InlineData("ElboOutput", "target")]
    [InlineData("ElboOutput", "nll")]
    [InlineData("ElboOutput", "dLogits")]
    [InlineData("AdamStep", "gradients")]
    [InlineData("AdamStep", "m")]
    [InlineData("AdamStep", "v")]
    [InlineData("AdamStep", "counter")]
    [InlineData("Reduce", "destination")]
    [InlineData("GatherRows", "indices")]
    [InlineData("GatherRows", "destination")]
    [InlineData("AdvanceCounter", "counter")]
    [InlineData("FinishStep", "kl")]
    [InlineData("FinishStep", "stepCounter")]
    [InlineData("FinishStep", "cursor")]
    public void WrongLengthOperandThrowsNamingIt(string op, string operand)
    {
        const int rows = 3, inFeatures = 5, outFeatures = 4, latent = 2;
        IAccelerator a = Accelerator;
        DeviceSpan<float> F(string name, int length) => Own(a.Allocate<float>(name == operand ? length + 1 : length)).All;
        DeviceSpan<uint> U(string name) => Own(a.Allocate<uint>(name == operand ? 2 : 1)).All;
        var clamp = new LogVarClamp(-5, 5);

        Action call = op switch
        {
            "LinearForward" => () => a.LinearForward(F("x", rows * inFeatures), F("w", outFeatures * inFeatures),
                F("b", outFeatures), F("y", rows * outFeatures), rows, inFeatures, outFeatures, Activation.Relu),
            "LinearBackward" => () => a.LinearBackward(F("dy", rows * outFeatures), F("x", rows * inFeatures),
                F("w", outFeatures * inFeatures), F("dw", outFeatures * inFeatures), F("db", outFeatures),
                F("dx", rows * inFeatures), rows, inFeatures, outFeatures, Activation.Relu),
            "Reparameterize" => () => a.Reparameterize(F("head", 2 * rows * latent), F("z", rows * latent),
                F("eps", rows * latent), F("kl", rows), rows, latent, clamp, new NoiseSource(1, 0), U("counter")),
            "ReparameterizeBackward" => () => a.ReparameterizeBackward(F("dz", rows * latent), F("head", 2 * rows * latent),
                F("eps", rows * latent), F("dHead", 2 * rows * latent), rows, latent, clamp, new KlWeight(1, 0), 1f, U("counter")),
            "ElboOutput" => () => a.ElboOutput(F("h", rows * inFeatures), F("w", outFeatures * inFeatures), F("b", outFeatures),
                F("target", rows * outFeatures), F("nll", rows), F("dLogits", rows * outFeatures), rows, inFeatures, outFeatures,
                Likelihood.Bernoulli, 1f),
            "AdamStep" => () => a.AdamStep(F("parameters", 10), F("gradients", 10), F("m", 10), F("v", 10),
                new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), U("counter")),
            "Reduce" => () => a.Reduce(F("source", 10), F("destination", 1)),
            "GatherRows" => () => a.GatherRows(Own(a.Allocate<byte>(4 * inFeatures)).All,
                Own(a.Allocate<int>(operand == "indices" ? rows + 1 : rows)).All, F("destination", rows * inFeatures), rows, inFeatures),
            "AdvanceCounter" => () => a.AdvanceCounter(U("counter")),
            "FinishStep" => () => a.FinishStep(F("nll", rows), F("kl", rows), F("log", 8), U("stepCounter"), U("cursor")),
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };

        var exception = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Contains(op, exception.Message);
        Assert.Contains($" {operand} ", exception.Message);
    }

    [SuiteFact]
    public void OperandOfAnotherAcceleratorIsRejected()
    {
        using var other = new VaeGpu.Accelerators.Cpu.CpuAccelerator(threads: 1);
        using DeviceBuffer<float> foreign = other.Allocate<float>(1);
        var exception = Assert.ThrowsAny<ArgumentException>(() => Accelerator.Reduce(Input([1f, 2f]), foreign));
        Assert.Contains("destination", exception.Message);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>4·ε·√(K + 1): see the class comment.</summary>
    protected static double DotRtol(int length) => 4 * Eps32 * Math.Sqrt(length + 1);

    /// <summary>A seed per case, the same in every run (HashCode.Combine is randomized per process, so not that).</summary>
    protected static int Seed(params int[] parts)
    {
        int seed = 17;
        foreach (int part in parts) seed = unchecked(seed * 31 + part);
        return seed & int.MaxValue;
    }

    /// <summary>Uniform in ±scale, never all zero.</summary>
    protected static float[] RandomValues(System.Random random, int length, double scale)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        if (length > 0 && values.All(v => v == 0)) values[0] = (float)scale;
        return values;
    }

    protected T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>The values at an offset inside a larger buffer whose margins hold a sentinel.</summary>
    protected DeviceSpan<float> Input(float[] values) => Guarded(values);

    /// <summary>An output of <paramref name="length"/> elements poisoned with NaN, inside sentinel margins.</summary>
    protected DeviceSpan<float> Output(int length)
    {
        var values = new float[length];
        Array.Fill(values, float.NaN);
        return Guarded(values);
    }

    private DeviceSpan<float> Guarded(float[] values)
    {
        DeviceBuffer<float> buffer = Own(Accelerator.Allocate<float>(values.Length + 2 * Margin));
        var host = new float[values.Length + 2 * Margin];
        Array.Fill(host, Sentinel);
        values.CopyTo(host, Margin);
        Accelerator.Upload<float>(buffer, host);
        return buffer.Slice(Margin, values.Length);
    }

    /// <summary>Downloads a span made by <see cref="Input"/>/<see cref="Output"/>, checking that its margins are intact.</summary>
    protected float[] Read(DeviceSpan<float> span)
    {
        var host = new float[span.Buffer!.Length];
        Accelerator.Download<float>(span.Buffer.All, host);
        for (int i = 0; i < host.Length; i++)
        {
            if (i >= span.Offset && i < span.Offset + span.Length) continue;
            Assert.True(host[i] == Sentinel, $"element {i - span.Offset} outside the span was overwritten with {host[i]}");
        }
        return host.AsSpan(span.Offset, span.Length).ToArray();
    }

    /// <summary>A buffer of this accelerator holding <paramref name="values"/>, disposed with the test.</summary>
    protected DeviceBuffer<T> Uploaded<T>(T[] values) where T : unmanaged
    {
        DeviceBuffer<T> buffer = Own(Accelerator.Allocate<T>(values.Length));
        Accelerator.Upload<T>(buffer, values);
        return buffer;
    }

    protected DeviceSpan<uint> Counter(uint value)
    {
        DeviceBuffer<uint> buffer = Own(Accelerator.Allocate<uint>(3));
        Accelerator.Upload<uint>(buffer, [0xDEADu, value, 0xBEEFu]);
        return buffer.Slice(1, 1);
    }

    protected uint ReadCounter(DeviceSpan<uint> counter)
    {
        var value = new uint[1];
        Accelerator.Download(counter, value);
        return value[0];
    }

    protected static void AssertClose(string what, float[] got, Func<int, double> expected, Func<int, double> tolerance)
    {
        for (int i = 0; i < got.Length; i++) AssertElement(what, i, got[i], expected(i), tolerance(i));
    }

    protected static void AssertElement(string what, int index, float got, double expected, double tolerance)
    {
        double error = Math.Abs(got - expected);
        if (!(error <= tolerance))
            Assert.Fail($"{what}[{index}] = {got:R}, expected {expected:R} ± {tolerance:G3} (error {error:G3}, {error / tolerance:G3}× the tolerance)");
    }
}
