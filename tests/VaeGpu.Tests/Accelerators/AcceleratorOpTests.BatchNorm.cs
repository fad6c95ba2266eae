using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// BatchNormForward (training and evaluation) and BatchNormBackward (kernels/Ops/BatchNorm.cs, its CPU twin
/// BatchNormChannels) against the float64 definition of <see cref="ReferenceBatchNorm"/>, and bit for bit against the
/// cpu accelerator.
/// </summary>
public abstract partial class AcceleratorOpTests
{
    /// <summary>
    /// rows, channels: one row (variance 0), one channel, channel counts off every vector width (3, 17, 33), exactly one
    /// partial block (64) and one row past it, many blocks (1000 rows), and the conv model's 64 channels.
    /// </summary>
    public static TheoryData<int, int> BatchNormShapes => new()
    {
        { 1, 1 }, { 1, 5 }, { 3, 1 }, { 7, 3 }, { 64, 8 }, { 65, 16 }, { 129, 33 }, { 200, 64 }, { 1000, 4 }, { 130, 17 },
    };

    public static TheoryData<int, int, Activation> BatchNormForwardCases
    {
        get
        {
            var data = new TheoryData<int, int, Activation>();
            foreach (var row in BatchNormShapes)
            {
                var (rows, channels) = row.Data;
                foreach (Activation activation in AllActivations) data.Add(rows, channels, activation);
            }
            return data;
        }
    }

    /// <summary>A convolution's output: per channel its own offset and spread, so that centring and scaling both matter.</summary>
    private static float[] ChannelValues(System.Random random, int rows, int channels)
    {
        var offsets = Enumerable.Range(0, channels).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        var spreads = Enumerable.Range(0, channels).Select(_ => 0.1 + random.NextDouble() * 3).ToArray();
        var y = new float[rows * channels];
        for (int i = 0; i < y.Length; i++) y[i] = (float)(offsets[i % channels] + spreads[i % channels] * (random.NextDouble() * 2 - 1));
        return y;
    }

    /// <summary>γ around 1 and β around 0, as training leaves them, never the initial 1 and 0 alone.</summary>
    private static (float[] Gamma, float[] Beta) Affine(System.Random random, int channels) =>
        (Enumerable.Range(0, channels).Select(_ => (float)(0.5 + random.NextDouble())).ToArray(), RandomValues(random, channels, 0.5));

    /// <summary>A running [mean | variance] as some steps of training leave it.</summary>
    private static float[] Running(System.Random random, int channels) =>
        [.. RandomValues(random, channels, 1.0), .. Enumerable.Range(0, channels).Select(_ => (float)(0.2 + 2 * random.NextDouble()))];

    [SuiteTheory]
    [MemberData(nameof(BatchNormForwardCases))]
    public void BatchNormForward_training_matches_reference(int rows, int channels, Activation activation)
    {
        var random = new System.Random(Seed(60, rows, channels, (int)activation));
        float[] y = ChannelValues(random, rows, channels);
        (float[] gamma, float[] beta) = Affine(random, channels);
        float[] runningBefore = Running(random, channels);

        DeviceSpan<float> output = Output(rows * channels), statistics = Output(2 * channels), running = Input(runningBefore);
        Accelerator.BatchNormForward(Input(y), Input(gamma), Input(beta), output, statistics, running, rows, channels, activation, training: true);

        ReferenceBatchNorm.Moments batch = ReferenceBatchNorm.BatchMoments(y, rows, channels);
        float[] stats = Read(statistics);
        double[] magnitude = MeanMagnitudes(y, rows, channels);
        AssertClose("mean", stats[..channels], c => batch.Mean[c], c => 4 * Eps32 * (magnitude[c] + 1e-30));
        // invstd through the float variance, its square root and a division: a few ulps, or 1/√ε for a single row.
        AssertClose("invstd", stats[channels..], c => batch.InverseStd(c), c => 16 * Eps32 * batch.InverseStd(c));
        double[] expectedRunning = ReferenceBatchNorm.UpdatedRunning(runningBefore, batch, rows, channels);
        AssertClose("running", Read(running), i => expectedRunning[i], i => 8 * Eps32 * (Math.Abs(runningBefore[i]) + Math.Abs(expectedRunning[i]) + 1e-30));
        AssertNormalized(Read(output), y, batch, gamma, beta, rows, channels, activation);
    }

    [SuiteTheory]
    [MemberData(nameof(BatchNormForwardCases))]
    public void BatchNormForward_evaluation_uses_running_statistics(int rows, int channels, Activation activation)
    {
        var random = new System.Random(Seed(61, rows, channels, (int)activation));
        float[] y = ChannelValues(random, rows, channels);
        (float[] gamma, float[] beta) = Affine(random, channels);
        float[] runningValues = Running(random, channels);

        DeviceSpan<float> output = Output(rows * channels), statistics = Output(2 * channels), running = Input(runningValues);
        Accelerator.BatchNormForward(Input(y), Input(gamma), Input(beta), output, statistics, running, rows, channels, activation, training: false);

        Assert.Equal(runningValues, Read(running));
        var moments = new ReferenceBatchNorm.Moments(runningValues[..channels].Select(v => (double)v).ToArray(),
            runningValues[channels..].Select(v => (double)v).ToArray());
        AssertNormalized(Read(output), y, moments, gamma, beta, rows, channels, activation);
    }

    [SuiteTheory]
    [MemberData(nameof(BatchNormShapes))]
    public void BatchNormBackward_matches_reference(int rows, int channels)
    {
        var random = new System.Random(Seed(62, rows, channels));
        float[] y = ChannelValues(random, rows, channels);
        (float[] gamma, float[] beta) = Affine(random, channels);
        float[] g = RandomValues(random, rows * channels, 1.0);

        (DeviceSpan<float> yOnDevice, DeviceSpan<float> gammaOnDevice, DeviceSpan<float> statistics) = TrainingForward(random, y, gamma, beta);
        DeviceSpan<float> dGamma = Output(channels), dBeta = Output(channels), dy = Output(rows * channels);
        Accelerator.BatchNormBackward(Input(g), yOnDevice, gammaOnDevice, statistics, dGamma, dBeta, dy, rows, channels);

        double[] y64 = y.Select(v => (double)v).ToArray(), g64 = g.Select(v => (double)v).ToArray();
        (double[] dGammaExpected, double[] dBetaExpected, double[] dyExpected) =
            ReferenceBatchNorm.Backward(g64, y64, gamma.Select(v => (double)v).ToArray(), rows, channels);
        ReferenceBatchNorm.Moments moments = ReferenceBatchNorm.BatchMoments(y64, rows, channels);
        // Each sum's tolerance scales with the sum of its terms' magnitudes; x̂'s own error is ε·invstd·(|y| + |mean|).
        var sumG = new double[channels];
        var sumWeighted = new double[channels];
        var normalizedError = new double[rows * channels];
        for (int i = 0; i < y.Length; i++)
        {
            int c = i % channels;
            double normalized = Math.Abs((y64[i] - moments.Mean[c]) * moments.InverseStd(c));
            normalizedError[i] = normalized + moments.InverseStd(c) * (Math.Abs(y64[i]) + Math.Abs(moments.Mean[c]));
            sumG[c] += Math.Abs(g64[i]);
            sumWeighted[c] += Math.Abs(g64[i]) * normalizedError[i];
        }
        AssertClose("dBeta", Read(dBeta), c => dBetaExpected[c], c => 4 * Eps32 * (sumG[c] + 1e-30));
        AssertClose("dGamma", Read(dGamma), c => dGammaExpected[c], c => 16 * Eps32 * (sumWeighted[c] + 1e-30));
        AssertClose("dy", Read(dy), i => dyExpected[i], i =>
        {
            int c = i % channels;
            double terms = Math.Abs(g64[i]) + sumG[c] / rows + normalizedError[i] * sumWeighted[c] / rows;
            return 32 * Eps32 * Math.Abs(gamma[c]) * moments.InverseStd(c) * terms + 1e-30;
        });
    }

    [SuiteTheory]
    [MemberData(nameof(BatchNormShapes))]
    public void BatchNormBackward_in_place_gives_the_same_bits(int rows, int channels)
    {
        var random = new System.Random(Seed(63, rows, channels));
        float[] y = ChannelValues(random, rows, channels);
        (float[] gamma, float[] beta) = Affine(random, channels);
        float[] g = RandomValues(random, rows * channels, 1.0);
        (DeviceSpan<float> yOnDevice, DeviceSpan<float> gammaOnDevice, DeviceSpan<float> statistics) = TrainingForward(random, y, gamma, beta);

        DeviceSpan<float> dy = Output(rows * channels), inPlace = Input(g);
        Accelerator.BatchNormBackward(Input(g), yOnDevice, gammaOnDevice, statistics, Output(channels), Output(channels), dy, rows, channels);
        Accelerator.BatchNormBackward(inPlace, yOnDevice, gammaOnDevice, statistics, Output(channels), Output(channels), inPlace, rows, channels);

        Assert.Equal(Read(dy).Select(BitConverter.SingleToInt32Bits), Read(inPlace).Select(BitConverter.SingleToInt32Bits));
    }

    [SuiteTheory]
    [MemberData(nameof(BatchNormShapes))]
    public void BatchNorm_gives_the_cpu_accelerators_bits(int rows, int channels)
    {
        var random = new System.Random(Seed(64, rows, channels));
        float[] y = ChannelValues(random, rows, channels), g = RandomValues(random, rows * channels, 1.0);
        (float[] gamma, float[] beta) = Affine(random, channels);
        float[] running = Running(random, channels);

        float[][] Run(IAccelerator accelerator, Func<float[], DeviceSpan<float>> input, Func<DeviceSpan<float>, float[]> read)
        {
            DeviceSpan<float> train = input(new float[rows * channels]), eval = input(new float[rows * channels]);
            DeviceSpan<float> statistics = input(new float[2 * channels]), runningStats = input(running);
            DeviceSpan<float> yIn = input(y), gammaIn = input(gamma);
            accelerator.BatchNormForward(yIn, gammaIn, input(beta), train, statistics, runningStats, rows, channels, Activation.Tanh, training: true);
            DeviceSpan<float> dGamma = input(new float[channels]), dBeta = input(new float[channels]), dy = input(new float[rows * channels]);
            accelerator.BatchNormBackward(input(g), yIn, gammaIn, statistics, dGamma, dBeta, dy, rows, channels);
            float[] batchStatistics = read(statistics);
            accelerator.BatchNormForward(yIn, gammaIn, input(beta), eval, statistics, runningStats, rows, channels, Activation.LeakyRelu,
                training: false);
            return [read(train), batchStatistics, read(runningStats), read(dGamma), read(dBeta), read(dy), read(eval), read(statistics)];
        }

        float[][] got = Run(Accelerator, Input, Read);
        using var cpu = new CpuAccelerator(threads: 1, gemmVersion: 1);
        var owned = new List<DeviceBuffer<float>>();
        try
        {
            float[][] expected = Run(cpu, values =>
            {
                DeviceBuffer<float> buffer = cpu.Allocate<float>(values.Length);
                owned.Add(buffer);
                cpu.Upload<float>(buffer, values);
                return buffer;
            }, span =>
            {
                var values = new float[span.Length];
                cpu.Download(span, values);
                return values;
            });
            string[] names = ["output", "batch statistics", "running", "dGamma", "dBeta", "dy", "evaluation output", "running moments"];
            for (int i = 0; i < names.Length; i++)
                for (int j = 0; j < got[i].Length; j++)
                    if (BitConverter.SingleToInt32Bits(got[i][j]) != BitConverter.SingleToInt32Bits(expected[i][j]))
                        Assert.Fail($"{names[i]}[{j}] = {got[i][j]:R}, the cpu accelerator's {expected[i][j]:R}");
        }
        finally
        {
            foreach (DeviceBuffer<float> buffer in owned) buffer.Dispose();
        }
    }

    [SuiteFact]
    public void BatchNorm_rejects_wrong_lengths()
    {
        DeviceSpan<float> y = Input(new float[12]), c = Input(new float[3]), stats = Input(new float[6]);
        var error = Assert.Throws<ArgumentException>(() =>
            Accelerator.BatchNormForward(y, c, c, Output(12), Input(new float[5]), stats, 4, 3, Activation.Relu, training: true));
        Assert.Contains("statistics", error.Message);
        error = Assert.Throws<ArgumentException>(() =>
            Accelerator.BatchNormBackward(y, y, c, stats, c, Input(new float[2]), Output(12), 4, 3));
        Assert.Contains("dBeta", error.Message);
    }

    /// <summary>A training forward on the device: y, γ there and the batch statistics that the backward reads.</summary>
    private (DeviceSpan<float> Y, DeviceSpan<float> Gamma, DeviceSpan<float> Statistics) TrainingForward(System.Random random, float[] y,
        float[] gamma, float[] beta)
    {
        int channels = gamma.Length, rows = y.Length / channels;
        DeviceSpan<float> statistics = Output(2 * channels), yOnDevice = Input(y), gammaOnDevice = Input(gamma);
        Accelerator.BatchNormForward(yOnDevice, gammaOnDevice, Input(beta), Output(rows * channels), statistics, Input(Running(random, channels)),
            rows, channels, Activation.Relu, training: true);
        return (yOnDevice, gammaOnDevice, statistics);
    }

    /// <summary>Σ|y|/rows per channel: the scale of a mean's rounding.</summary>
    private static double[] MeanMagnitudes(float[] y, int rows, int channels)
    {
        var magnitude = new double[channels];
        for (int i = 0; i < y.Length; i++) magnitude[i % channels] += Math.Abs(y[i]) / rows;
        return magnitude;
    }

    /// <summary>
    /// act(γ·x̂ + β) against float64 with these statistics: x̂'s rounding is ε·invstd·(|y| + |mean|) (the mean's and the
    /// subtraction's) plus a few ε of |x̂| (invstd's), carried by γ, then the affine's and the activation's own rounding.
    /// </summary>
    private static void AssertNormalized(float[] got, float[] y, ReferenceBatchNorm.Moments moments, float[] gamma, float[] beta, int rows,
        int channels, Activation activation)
    {
        double[] pre = ReferenceBatchNorm.Normalize(y.Select(v => (double)v).ToArray(), moments, gamma.Select(v => (double)v).ToArray(),
            beta.Select(v => (double)v).ToArray(), rows, channels);
        AssertClose($"output ({activation})", got, i => ReferenceOps.Activate(activation, pre[i]), i =>
        {
            int c = i % channels;
            double invstd = moments.InverseStd(c);
            double normalized = Math.Abs((y[i] - moments.Mean[c]) * invstd);
            double preError = 8 * Eps32 * (Math.Abs(gamma[c]) * (invstd * (Math.Abs(y[i]) + Math.Abs(moments.Mean[c])) + normalized) + Math.Abs(beta[c]));
            return preError + 2 * Eps32 * Math.Abs(ReferenceOps.Activate(activation, pre[i])) + 1e-30;
        });
    }
}
