using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// Binary cross-entropy from logits at extreme logits, through the accelerator's ElboOutput with
/// hidden = 1, w = 1 and b = 0, so every logit of the row is the input h itself. The naive
/// −x·log σ(l) − (1 − x)·log(1 − σ(l)) is ∞ or NaN here; the stable form must give the exact value.
/// </summary>
public sealed class LossMathTests
{
    /// <summary>(logit, target, exact NLL, exact gradient σ(l) − x).</summary>
    public static TheoryData<float, float, double, double> Extremes => new()
    {
        { 100f, 0f, 100, 1 },
        { -100f, 1f, 100, -1 },
        { 100f, 1f, Math.Exp(-100), 0 },   // ≈ 3.7e-44
        { -100f, 0f, Math.Exp(-100), Math.Exp(-100) },
        { 1e4f, 0f, 1e4, 1 },
        { -1e4f, 1f, 1e4, -1 },
        { 1e4f, 1f, 0, 0 },
        { -1e4f, 0f, 0, 0 },
        { 100f, 0.25f, 75, 0.75 },
        { -1e4f, 0.5f, 5e3, -0.5 },
        { 0f, 1f, Math.Log(2), -0.5 },
        { 20f, 0f, 20 + Math.Log(1 + Math.Exp(-20)), 1 / (1 + Math.Exp(-20)) },
    };

    [Theory]
    [MemberData(nameof(Extremes))]
    public void BinaryCrossEntropyIsExactAtExtremeLogits(float logit, float target, double expectedNll, double expectedGradient)
    {
        foreach (float gradScale in new[] { 1f, 0.25f })
        {
            var (nll, gradients) = Run(logit, [target], gradScale);
            Assert.True(float.IsFinite(nll) && float.IsFinite(gradients[0]), $"nll {nll}, gradient {gradients[0]}");
            // Relative 1e-6 of the value, absolute 1e-6 where the exact value is ~0 (e.g. 3.7e-44).
            Assert.True(Math.Abs(nll - expectedNll) <= 1e-6 * Math.Max(1, expectedNll), $"nll {nll:R}, expected {expectedNll:R}");
            Assert.True(Math.Abs(gradients[0] - gradScale * expectedGradient) <= 1e-6,
                $"gradient {gradients[0]:R}, expected {gradScale * expectedGradient:R}");
        }
    }

    [Fact]
    public void GradientIsExactlySigmoidMinusTargetAtTheExtremes()
    {
        // σ(±100) rounds to exactly 1 or 0 (3.7e-44 is a float denormal) in float, so these are exact.
        Assert.Equal([1f, 0f, 0.5f], Run(100f, [0f, 1f, 0.5f], 1f).Gradients);
        Assert.Equal([-1f, 0f, -0.5f], Run(-1e4f, [1f, 0f, 0.5f], 1f).Gradients);
        Assert.Equal([1f, 0f], Run(1e4f, [0f, 1f], 1f).Gradients);
    }

    [Fact]
    public void RowNllSumsTheColumns()
    {
        // logit 100 with targets 0, 1, 0.5: 100 + ~0 + 50.
        var (nll, _) = Run(100f, [0f, 1f, 0.5f], 1f);
        Assert.Equal(150f, nll);
        var (nllWithoutGradient, _) = Run(100f, [0f, 1f, 0.5f], gradScale: null);
        Assert.Equal(150f, nllWithoutGradient);
    }

    /// <summary>One row, hidden 1, w = 1, b = 0: every column's logit is <paramref name="logit"/>.</summary>
    private static (float Nll, float[] Gradients) Run(float logit, float[] targets, float? gradScale)
    {
        using var accelerator = new CpuAccelerator(threads: 1);
        int columns = targets.Length;
        DeviceBuffer<float> Upload(float[] values)
        {
            DeviceBuffer<float> buffer = accelerator.Allocate<float>(values.Length);
            accelerator.Upload<float>(buffer, values);
            return buffer;
        }
        float[] poison = Enumerable.Repeat(float.NaN, columns).ToArray();
        using DeviceBuffer<float> h = Upload([logit]), w = Upload(Enumerable.Repeat(1f, columns).ToArray());
        using DeviceBuffer<float> b = Upload(new float[columns]), target = Upload(targets);
        using DeviceBuffer<float> nll = Upload([float.NaN]), dLogits = Upload(poison);
        accelerator.ElboOutput(h, w, b, target, nll, gradScale is null ? default : dLogits.All, 1, 1, columns,
            Likelihood.Bernoulli, gradScale ?? 1f);
        var nllHost = new float[1];
        var gradients = new float[columns];
        accelerator.Download<float>(nll, nllHost);
        accelerator.Download<float>(dLogits, gradients);
        return (nllHost[0], gradients);
    }
}
