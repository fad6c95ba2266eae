using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>AdamStep (kernels/Ops/Adam.cs) against ReferenceOps.</summary>
public abstract partial class AcceleratorOpTests
{
    [SuiteTheory]
    [InlineData(1, 0u)]
    [InlineData(7, 0u)]
    [InlineData(8, 3u)]
    [InlineData(9, 0u)]
    [InlineData(100003, 0u)]
    [InlineData(100003, 999u)]
    public void AdamStep_matches_reference_over_consecutive_steps(int length, uint firstStep)
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
    public void AdamStep_first_step_moves_every_parameter_by_the_learning_rate()
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

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void AdamStep_carries_a_non_finite_gradient_into_its_parameter_only(float bad)
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
}
