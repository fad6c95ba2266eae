using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// Conv2dForward/Backward and ConvTranspose2dForward/Backward (kernels/Ops/Conv.cs, kernels/Gemm/ConvSources.cs)
/// against the direct float64 convolutions of <see cref="ReferenceConv"/>, and bit for bit against the cpu accelerator.
/// </summary>
public abstract partial class AcceleratorOpTests
{
    /// <summary>
    /// batch, in channels, height, width, out channels, kernel, stride, padding: 1×1 images and kernels, odd and
    /// non-square sizes, every stride the model allows and 3, channel counts off every tile (33, 65), the model's
    /// first two layers (28 → 14 → 7, channels cut for ilgpu-cpu's speed), sizes that do not halve (7 → 3), and a
    /// stride above the kernel (3 over 2: some positions of the transposed direction get no tap at all), and 32 and 64
    /// channels (the cpu's GEMM v2 reads such an im2col operand in place, one tap's channels a panel), and from 1 and 3
    /// channels to 8 and 16 (the cpu's direct path for a few input channels, <c>NarrowConv</c>).
    /// </summary>
    public static TheoryData<int, int, int, int, int, int, int, int> ConvShapes => new()
    {
        { 1, 1, 1, 1, 1, 1, 1, 0 },
        { 2, 3, 5, 5, 4, 3, 1, 1 },
        { 3, 1, 28, 28, 8, 4, 2, 1 },
        { 2, 8, 14, 14, 16, 4, 2, 1 },
        { 1, 5, 7, 6, 3, 4, 2, 1 },
        { 5, 2, 9, 9, 3, 3, 2, 0 },
        { 2, 3, 10, 11, 5, 4, 3, 2 },
        { 1, 33, 3, 3, 17, 3, 1, 1 },
        { 4, 2, 4, 4, 65, 2, 2, 0 },
        { 2, 3, 8, 7, 5, 2, 3, 1 },
        { 2, 32, 6, 5, 7, 4, 2, 1 },
        { 2, 64, 3, 3, 5, 3, 1, 1 },
        { 2, 3, 9, 7, 16, 3, 2, 1 },
    };

    public static TheoryData<int, int, int, int, int, int, int, int, Activation> ConvForwardCases => ConvCases(AllActivations);

    public static TheoryData<int, int, int, int, int, int, int, int, Activation> ConvBackwardCases =>
        ConvCases([Activation.Identity, Activation.Relu, Activation.Tanh]);

    private static TheoryData<int, int, int, int, int, int, int, int, Activation> ConvCases(Activation[] activations)
    {
        var data = new TheoryData<int, int, int, int, int, int, int, int, Activation>();
        foreach (var row in ConvShapes)
        {
            var (n, c, h, w, oc, k, s, p) = row.Data;
            foreach (Activation activation in activations) data.Add(n, c, h, w, oc, k, s, p, activation);
        }
        return data;
    }

    [SuiteTheory]
    [MemberData(nameof(ConvForwardCases))]
    public void Conv2dForward_matches_reference(int batch, int channels, int height, int width, int outChannels, int kernel,
        int stride, int padding, Activation activation)
    {
        ConvShape shape = ConvShape.Conv2d(batch, channels, height, width, outChannels, kernel, stride, padding);
        var random = new System.Random(Seed(40, batch, channels, height, width, outChannels, kernel, stride, padding, (int)activation));
        float[] x = RandomValues(random, shape.InputLength, 1.0);
        float[] w = RandomValues(random, shape.WeightCount, 1.0 / Math.Sqrt(shape.Taps));
        float[] b = RandomValues(random, outChannels, 0.5);

        DeviceSpan<float> y = Output(shape.OutputLength);
        Accelerator.Conv2dForward(Input(x), Input(w), Input(b), y, shape, activation);

        AssertForward(Read(y), ReferenceConv.LargeToSmall(x, w, shape), b, outChannels, shape.Taps, activation);
    }

    [SuiteTheory]
    [MemberData(nameof(ConvForwardCases))]
    public void ConvTranspose2dForward_matches_reference(int batch, int channels, int height, int width, int outChannels, int kernel,
        int stride, int padding, Activation activation)
    {
        // The transposed convolution runs the shape's geometry backwards: x is the small image, y the large one.
        ConvShape shape = ConvShape.Conv2d(batch, channels, height, width, outChannels, kernel, stride, padding);
        var random = new System.Random(Seed(41, batch, channels, height, width, outChannels, kernel, stride, padding, (int)activation));
        float[] x = RandomValues(random, shape.OutputLength, 1.0);
        float[] w = RandomValues(random, shape.WeightCount, 1.0 / Math.Sqrt(shape.TransposedTaps));
        float[] b = RandomValues(random, channels, 0.5);

        DeviceSpan<float> y = Output(shape.InputLength);
        Accelerator.ConvTranspose2dForward(Input(x), Input(w), Input(b), y, shape, activation);

        AssertForward(Read(y), ReferenceConv.SmallToLarge(x, w, shape), b, channels, shape.TransposedTaps, activation);
    }

    [SuiteTheory]
    [MemberData(nameof(ConvBackwardCases))]
    public void Conv2dBackward_matches_reference(int batch, int channels, int height, int width, int outChannels, int kernel,
        int stride, int padding, Activation inputActivation)
    {
        ConvShape shape = ConvShape.Conv2d(batch, channels, height, width, outChannels, kernel, stride, padding);
        var random = new System.Random(Seed(42, batch, channels, height, width, outChannels, kernel, stride, padding, (int)inputActivation));
        float[] x = LayerOutput(random, shape.InputLength, inputActivation);
        float[] dy = RandomValues(random, shape.OutputLength, 1.0);
        float[] w = RandomValues(random, shape.WeightCount, 1.0 / Math.Sqrt(shape.Taps));

        DeviceSpan<float> dw = Output(shape.WeightCount), db = Output(outChannels), dx = Output(shape.InputLength);
        Accelerator.Conv2dBackward(Input(dy), Input(x), Input(w), dw, db, dx, shape, inputActivation);

        AssertBackward(Read(dw), Read(db), Read(dx), ReferenceConv.WeightGradient(dy, x, shape), ReferenceConv.ChannelSums(dy, outChannels),
            ReferenceConv.SmallToLarge(dy, w, shape), x, inputActivation, shape.OutRows, shape.TransposedTaps);
    }

    [SuiteTheory]
    [MemberData(nameof(ConvBackwardCases))]
    public void ConvTranspose2dBackward_matches_reference(int batch, int channels, int height, int width, int outChannels, int kernel,
        int stride, int padding, Activation inputActivation)
    {
        ConvShape shape = ConvShape.Conv2d(batch, channels, height, width, outChannels, kernel, stride, padding);
        var random = new System.Random(Seed(43, batch, channels, height, width, outChannels, kernel, stride, padding, (int)inputActivation));
        float[] x = LayerOutput(random, shape.OutputLength, inputActivation);
        float[] dy = RandomValues(random, shape.InputLength, 1.0);
        float[] w = RandomValues(random, shape.WeightCount, 1.0 / Math.Sqrt(shape.TransposedTaps));

        DeviceSpan<float> dw = Output(shape.WeightCount), db = Output(channels), dx = Output(shape.OutputLength);
        Accelerator.ConvTranspose2dBackward(Input(dy), Input(x), Input(w), dw, db, dx, shape, inputActivation);

        AssertBackward(Read(dw), Read(db), Read(dx), ReferenceConv.WeightGradient(x, dy, shape), ReferenceConv.ChannelSums(dy, channels),
            ReferenceConv.LargeToSmall(dy, w, shape), x, inputActivation, shape.OutRows, shape.Taps);
    }

    public static TheoryData<int, int, int, int, int, int, int, int, LikelihoodKind> ConvLossCases
    {
        get
        {
            var data = new TheoryData<int, int, int, int, int, int, int, int, LikelihoodKind>();
            foreach (var row in ConvShapes)
            {
                var (n, c, h, w, oc, k, s, p) = row.Data;
                foreach (LikelihoodKind kind in new[] { LikelihoodKind.Bernoulli, LikelihoodKind.Gaussian }) data.Add(n, c, h, w, oc, k, s, p, kind);
            }
            return data;
        }
    }

    [SuiteTheory]
    [MemberData(nameof(ConvLossCases))]
    public void ConvTranspose2dElboOutput_matches_reference(int batch, int channels, int height, int width, int outChannels, int kernel,
        int stride, int padding, LikelihoodKind kind)
    {
        // The decoder's last layer: h the small image, the logits (never stored) and the targets the large one.
        ConvShape shape = ConvShape.Conv2d(batch, channels, height, width, outChannels, kernel, stride, padding);
        var random = new System.Random(Seed(46, batch, channels, height, width, outChannels, kernel, stride, padding, (int)kind));
        Likelihood likelihood = kind == LikelihoodKind.Bernoulli ? Likelihood.Bernoulli : Likelihood.Gaussian(0.3f);
        float gradScale = batch == 0 ? 1f : 1f / batch;
        float[] h = RandomValues(random, shape.OutputLength, 1.0);
        float[] w = RandomValues(random, shape.WeightCount, 3.0 / Math.Sqrt(shape.TransposedTaps));
        float[] b = RandomValues(random, channels, 0.5);
        float[] target = new float[shape.InputLength];
        for (int i = 0; i < target.Length; i++)
            target[i] = (i % 3) switch { 0 => random.Next(2), 1 => (float)random.NextDouble(), _ => random.Next(256) / 255f };

        DeviceSpan<float> nll = Output(batch), dLogits = Output(shape.InputLength);
        Accelerator.ConvTranspose2dElboOutput(Input(h), Input(w), Input(b), Input(target), nll, dLogits, shape, likelihood, gradScale);
        float[] gotNll = Read(nll), gotGradient = Read(dLogits);
        DeviceSpan<float> nllOnly = Output(batch);
        Accelerator.ConvTranspose2dElboOutput(Input(h), Input(w), Input(b), Input(target), nllOnly, default, shape, likelihood, gradScale);
        Assert.Equal(gotNll, Read(nllOnly));

        ReferenceConv.Sums dot = ReferenceConv.SmallToLarge(h, w, shape);
        double rtol = DotRtol(shape.TransposedTaps), sigmaSquared = (double)likelihood.Sigma * likelihood.Sigma;
        int pixelsPerImage = shape.InputLength / Math.Max(1, batch);
        var expectedNll = new double[batch];
        var imageTolerance = new double[batch];
        var expectedGradient = new double[shape.InputLength];
        var gradientTolerance = new double[shape.InputLength];
        for (int i = 0; i < shape.InputLength; i++)
        {
            int image = i / pixelsPerImage;
            double logit = dot.Value[i] + b[i % channels], x = target[i];
            double logitTolerance = rtol * (dot.Magnitude[i] + Math.Abs(b[i % channels]));
            expectedNll[image] += ReferenceOps.Nll(likelihood, logit, x, out double gradient);
            expectedGradient[i] = gradScale * gradient;
            (double nllTolerance, gradientTolerance[i]) = LossTolerance(kind, logit, x, logitTolerance, gradScale, sigmaSquared);
            imageTolerance[image] += nllTolerance;
        }
        AssertClose("nll", gotNll, n => expectedNll[n], n => imageTolerance[n] + Eps32 * Math.Abs(expectedNll[n]) + Tiny);
        AssertClose("dLogits", gotGradient, i => expectedGradient[i], i => gradientTolerance[i]);
    }

    /// <summary>
    /// A conv decoder's learned σ is one logσ per image channel, shared by every position: the fused loss against
    /// the float64 Gaussian with that channel's σ, and LogSigmaGradient over dLogits as [positions × channels]
    /// against the float64 sum of ∂nll/∂logσ over every image's positions.
    /// </summary>
    [SuiteTheory]
    [MemberData(nameof(ConvShapes))]
    public void ConvTranspose2dElboOutput_with_learned_sigma_per_channel_matches_reference(int batch, int channels, int height, int width,
        int outChannels, int kernel, int stride, int padding)
    {
        ConvShape shape = ConvShape.Conv2d(batch, channels, height, width, outChannels, kernel, stride, padding);
        var random = new System.Random(Seed(47, batch, channels, height, width, outChannels, kernel, stride, padding));
        Likelihood likelihood = Likelihood.GaussianLearned(0.5f);
        float gradScale = batch == 0 ? 1f : 1f / batch;
        float[] h = RandomValues(random, shape.OutputLength, 1.0);
        float[] w = RandomValues(random, shape.WeightCount, 3.0 / Math.Sqrt(shape.TransposedTaps));
        float[] b = RandomValues(random, channels, 0.5);
        float[] target = RandomValues(random, shape.InputLength, 1.5);
        float[] logSigma = RandomValues(random, channels, 1.0);

        DeviceSpan<float> nll = Output(batch), dLogits = Output(shape.InputLength), dLogSigma = Output(channels);
        Accelerator.ConvTranspose2dElboOutput(Input(h), Input(w), Input(b), Input(target), nll, dLogits, shape, likelihood, gradScale,
            Input(logSigma));
        Accelerator.LogSigmaGradient(dLogits, Input(logSigma), dLogSigma, shape.InRows, channels, gradScale);
        float[] gotNll = Read(nll), gotGradient = Read(dLogits), gotDLogSigma = Read(dLogSigma);

        ReferenceConv.Sums dot = ReferenceConv.SmallToLarge(h, w, shape);
        double rtol = DotRtol(shape.TransposedTaps);
        int pixelsPerImage = shape.InputLength / Math.Max(1, batch);
        var expectedNll = new double[batch];
        var imageTolerance = new double[batch];
        var expectedGradient = new double[shape.InputLength];
        var gradientTolerance = new double[shape.InputLength];
        var expectedDLogSigma = new double[channels];
        var dLogSigmaTolerance = new double[channels];
        for (int i = 0; i < shape.InputLength; i++)
        {
            int image = i / pixelsPerImage, c = i % channels;
            double mean = dot.Value[i] + b[c], x = target[i], variance = Math.Exp(2.0 * logSigma[c]);
            double logitTolerance = rtol * (dot.Magnitude[i] + Math.Abs(b[c])), difference = Math.Abs(mean - x);
            expectedNll[image] += ReferenceOps.GaussianNll(logSigma[c], mean, x, out double gradient, out double dLog);
            expectedGradient[i] = gradScale * gradient;
            expectedDLogSigma[c] += gradScale * dLog;
            // σ² = exp(logσ)² in float: a few ε relative on top of the Gaussian's own terms (the MLP's learned-σ test's bound).
            imageTolerance[image] += (difference + logitTolerance) * logitTolerance / variance +
                                     8 * Eps32 * (difference * difference / (2 * variance) + Math.Abs(logSigma[c]) + 2);
            gradientTolerance[i] = Math.Abs(gradScale) * (logitTolerance + 8 * Eps32 * difference) / variance + Tiny;
            // dlogσ = 1 − (μ − x)²/σ² per position, from the float dLogits: their error, then the float sum over positions.
            double squared = difference * difference / variance;
            dLogSigmaTolerance[c] += Math.Abs(gradScale) * (2 * Math.Sqrt(squared) * (logitTolerance + 8 * Eps32 * difference) / Math.Sqrt(variance)
                                     + (DotRtol(shape.InRows) + 16 * Eps32) * (1 + squared));
        }
        AssertClose("nll", gotNll, n => expectedNll[n], n => imageTolerance[n] + Eps32 * Math.Abs(expectedNll[n]) + Tiny);
        AssertClose("dLogits", gotGradient, i => expectedGradient[i], i => gradientTolerance[i]);
        AssertClose("dLogSigma", gotDLogSigma, c => expectedDLogSigma[c], c => dLogSigmaTolerance[c] + Tiny);
    }

    [SuiteFact]
    public void Conv2dBackward_without_dx_writes_dw_and_db_only()
    {
        ConvShape shape = ConvShape.Conv2d(2, 3, 6, 6, 4, 4, 2, 1);
        var random = new System.Random(44);
        float[] x = RandomValues(random, shape.InputLength, 1.0), dy = RandomValues(random, shape.OutputLength, 1.0);
        float[] w = RandomValues(random, shape.WeightCount, 0.3);
        DeviceSpan<float> dw = Output(shape.WeightCount), db = Output(4);
        Accelerator.Conv2dBackward(Input(dy), Input(x), Input(w), dw, db, default, shape, Activation.Relu);
        Assert.All(Read(dw), value => Assert.True(float.IsFinite(value)));
        Assert.All(Read(db), value => Assert.True(float.IsFinite(value)));
    }

    /// <summary>
    /// The design's promise that every accelerator gives the same bits holds for the convolutions: each op here
    /// against a fresh cpu accelerator (GEMM v1, the reference) on the same inputs.
    /// </summary>
    [SuiteTheory]
    [MemberData(nameof(ConvShapes))]
    public void Conv2d_ops_give_the_cpu_accelerators_bits(int batch, int channels, int height, int width, int outChannels, int kernel,
        int stride, int padding)
    {
        ConvShape shape = ConvShape.Conv2d(batch, channels, height, width, outChannels, kernel, stride, padding);
        var random = new System.Random(Seed(45, batch, channels, height, width, outChannels, kernel, stride, padding));
        float[] large = LayerOutput(random, shape.InputLength, Activation.Tanh), small = LayerOutput(random, shape.OutputLength, Activation.Relu);
        float[] w = RandomValues(random, shape.WeightCount, 0.3), bLarge = RandomValues(random, channels, 0.5);
        float[] bSmall = RandomValues(random, outChannels, 0.5);
        float[] target = large.Select(value => (value + 1) / 2).ToArray(); // tanh outputs mapped into [0, 1]

        float[][] Run(IAccelerator accelerator, Func<float[], DeviceSpan<float>> input, Func<int, DeviceSpan<float>> output,
            Func<DeviceSpan<float>, float[]> read)
        {
            DeviceSpan<float> y = output(shape.OutputLength), yT = output(shape.InputLength);
            DeviceSpan<float> dw = output(shape.WeightCount), db = output(outChannels), dx = output(shape.InputLength);
            DeviceSpan<float> dwT = output(shape.WeightCount), dbT = output(channels), dxT = output(shape.OutputLength);
            DeviceSpan<float> nll = output(batch), dLogits = output(shape.InputLength);
            accelerator.Conv2dForward(input(large), input(w), input(bSmall), y, shape, Activation.Tanh);
            accelerator.ConvTranspose2dForward(input(small), input(w), input(bLarge), yT, shape, Activation.Sigmoid);
            accelerator.Conv2dBackward(input(small), input(large), input(w), dw, db, dx, shape, Activation.Tanh);
            accelerator.ConvTranspose2dBackward(input(large), input(small), input(w), dwT, dbT, dxT, shape, Activation.Relu);
            accelerator.ConvTranspose2dElboOutput(input(small), input(w), input(bLarge), input(target), nll, dLogits, shape,
                Likelihood.Bernoulli, 0.25f);
            return [read(y), read(yT), read(dw), read(db), read(dx), read(dwT), read(dbT), read(dxT), read(nll), read(dLogits)];
        }

        float[][] got = Run(Accelerator, Input, Output, Read);
        using var cpu = new CpuAccelerator(threads: 1, gemmVersion: 1);
        var owned = new List<DeviceBuffer<float>>();
        DeviceSpan<float> CpuInput(float[] values)
        {
            DeviceBuffer<float> buffer = cpu.Allocate<float>(values.Length);
            owned.Add(buffer);
            cpu.Upload<float>(buffer, values);
            return buffer;
        }
        float[] CpuRead(DeviceSpan<float> span)
        {
            var values = new float[span.Length];
            cpu.Download(span, values);
            return values;
        }
        try
        {
            float[][] expected = Run(cpu, CpuInput, length => CpuInput(new float[length]), CpuRead);
            string[] names = ["y", "yT", "dw", "db", "dx", "dwT", "dbT", "dxT", "nll", "dLogits"];
            for (int i = 0; i < names.Length; i++)
            {
                Assert.Equal(expected[i].Length, got[i].Length);
                for (int j = 0; j < got[i].Length; j++)
                {
                    if (BitConverter.SingleToInt32Bits(got[i][j]) != BitConverter.SingleToInt32Bits(expected[i][j]))
                        Assert.Fail($"{names[i]}[{j}] = {got[i][j]:R}, the cpu accelerator's {expected[i][j]:R}");
                }
            }
        }
        finally
        {
            foreach (DeviceBuffer<float> buffer in owned) buffer.Dispose();
        }
    }

    /// <summary>The output of a layer with this activation: what act'(x) is computed from.</summary>
    private static float[] LayerOutput(System.Random random, int length, Activation activation)
    {
        float[] x = RandomValues(random, length, 2.0);
        for (int i = 0; i < x.Length; i++) x[i] = Activations.Apply(activation, x[i]);
        return x;
    }

    /// <summary>act(dot + b) within the linear forward's tolerances (see LinearForward_matches_reference).</summary>
    private static void AssertForward(float[] got, ReferenceConv.Sums dot, float[] b, int channels, int reduction, Activation activation)
    {
        double rtol = DotRtol(reduction);
        double elementRtol = activation is Activation.Tanh or Activation.Sigmoid ? 16 * Eps32 : 2 * Eps32;
        double elementAbsolute = activation == Activation.Tanh ? 2 * Eps32 : 0;
        double Expected(int i) => ReferenceOps.Activate(activation, dot.Value[i] + b[i % channels]);
        AssertClose("y", got, Expected, i =>
            rtol * (dot.Magnitude[i] + Math.Abs(b[i % channels])) + elementRtol * Math.Abs(Expected(i)) + elementAbsolute + Tiny);
    }

    /// <summary>dw and db as sums over positions, dx = dot · act'(x) within LinearBackward's tolerances.</summary>
    private static void AssertBackward(float[] gotDw, float[] gotDb, float[] gotDx, ReferenceConv.Sums dw, ReferenceConv.Sums db,
        ReferenceConv.Sums dxDot, float[] x, Activation inputActivation, int positions, int reduction)
    {
        double positionsRtol = DotRtol(positions);
        AssertClose("dw", gotDw, i => dw.Value[i], i => positionsRtol * dw.Magnitude[i] + Tiny);
        AssertClose("db", gotDb, i => db.Value[i], i => positionsRtol * db.Magnitude[i] + Tiny);
        double rtol = DotRtol(reduction);
        double derivativeError = inputActivation is Activation.Tanh or Activation.Sigmoid ? 4 * Eps32 : 0;
        double Derivative(int i) => ReferenceOps.DerivativeFromOutput(inputActivation, x[i]);
        AssertClose("dx", gotDx, i => dxDot.Value[i] * Derivative(i), i =>
            rtol * dxDot.Magnitude[i] * (Math.Abs(Derivative(i)) + derivativeError) + Math.Abs(dxDot.Value[i]) * derivativeError +
            2 * Eps32 * Math.Abs(dxDot.Value[i] * Derivative(i)) + Tiny);
    }
}
