using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>ElboOutput and LogSigmaGradient (kernels/Ops/Elbo.cs) against ReferenceOps.</summary>
public abstract partial class AcceleratorOpTests
{
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
    public void ElboOutput_matches_reference(int rows, int hidden, int outFeatures, LikelihoodKind kind, float gradScale)
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
                (double nllTolerance, gradientTolerance[i]) = LossTolerance(kind, expected.Logits[i], target[i],
                    rtol * expected.LogitMagnitude[i], gradScale, sigmaSquared);
                rowTolerance[r] += nllTolerance;
            }
            rowTolerance[r] += Eps32 * Math.Abs(expected.Nll[r]) + Tiny;
        }
        AssertClose("nll", gotNll, r => expected.Nll[r], r => rowTolerance[r]);
        AssertClose("dLogits", gotGradient, i => expected.DLogits[i], i => gradientTolerance[i]);
    }

    /// <summary>
    /// An element's NLL and dLogits tolerances, from its logit's (a dot product's) tolerance: the Bernoulli NLL
    /// moves by at most |σ − x| ≤ 1 per unit of logit and sigmoid by at most 1/4; the Gaussian's by |logit − x|/σ².
    /// </summary>
    protected static (double Nll, double Gradient) LossTolerance(LikelihoodKind kind, double logit, double x, double logitTolerance,
        float gradScale, double sigmaSquared)
    {
        if (kind == LikelihoodKind.Bernoulli)
        {
            double sigmoid = 1 / (1 + Math.Exp(-logit));
            return (logitTolerance + 8 * Eps32 * (Math.Abs(logit) + Math.Abs(logit * x) + 1),
                Math.Abs(gradScale) * (0.25 * logitTolerance + 4 * Eps32 * (sigmoid + x)) + Tiny);
        }
        double difference = Math.Abs(logit - x);
        return ((difference + logitTolerance) * logitTolerance / sigmaSquared + 8 * Eps32 * (difference * difference / (2 * sigmaSquared) + 2),
            Math.Abs(gradScale) * (logitTolerance + 4 * Eps32 * difference) / sigmaSquared + Tiny);
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
    public void ElboOutput_with_learned_sigma_matches_reference(int rows, int hidden, int outFeatures, float gradScale)
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
    public void LogSigmaGradient_matches_reference(int rows, int hidden, int features, float gradScale)
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

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void ElboOutput_reports_a_non_finite_hidden_value_in_that_rows_loss(float bad)
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
}
