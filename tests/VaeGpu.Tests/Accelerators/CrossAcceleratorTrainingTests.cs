using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Tests.Training;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// A device accelerator trains like the CPU: 200 steps of the default model (784-400-20, batch 128)
/// from the same seed give per-step losses (−ELBO, and its KL term) within 1e-4 relative and final
/// parameters within 1e-3 of the largest. The kernels are written to agree with the CPU bit for bit
/// (kernels/Math/KernelIntrinsics.cs, ExactMath), and on ilgpu-cpu they do (VerbTests); the tolerances
/// are the promise for a device whose math library rounds a transcendental differently, which Adam
/// then amplifies on near-zero gradients. The diagnostic line says how many parameters differ in their bits.
/// A subclass per device accelerator supplies it and skips visibly without the device.
/// </summary>
public abstract class CrossAcceleratorTrainingTests
{
    private const int Steps = 200, BatchSize = 128, StepsPerEpoch = 50;

    protected abstract IAccelerator CreateAccelerator();

    protected abstract string? SkipReason { get; }

    [Fact] // one test: where the device is absent it is the suite's one skip line, with the reason
    public void Two_hundred_training_steps_match_the_cpu_accelerator()
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        // The plain reference version of the CPU accelerator (version 2 trains bit-identically to it:
        // TrainerTests), whose arithmetic the kernels mirror.
        Run expected = Train(new CpuAccelerator(gemmVersion: 1));
        Run actual = Train(CreateAccelerator());

        for (int step = 0; step < Steps; step++)
        {
            AssertRelative(expected.Losses[step], actual.Losses[step], 1e-4, $"−ELBO of step {step + 1}");
            AssertRelative(expected.Kls[step], actual.Kls[step], 1e-4, $"KL of step {step + 1}");
        }
        double scale = expected.Parameters.Max(p => Math.Abs(p));
        double worst = expected.Parameters.Zip(actual.Parameters, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-3 * scale, $"final parameters differ by up to {worst:G3} (largest parameter {scale:G3})");
        double worstLoss = Enumerable.Range(0, Steps).Max(s => Math.Abs(expected.Losses[s] - actual.Losses[s]) / Math.Abs(expected.Losses[s]));
        int differing = expected.Parameters.Zip(actual.Parameters, (a, b) => BitConverter.SingleToInt32Bits(a) != BitConverter.SingleToInt32Bits(b)).Count(d => d);
        TestContext.Current.SendDiagnosticMessage(
            $"largest per-step −ELBO difference {worstLoss:G3}, parameter difference {worst / scale:G3} of the largest, " +
            $"{differing} of {expected.Parameters.Length} parameters differ in their bits");
    }

    private sealed record Run(double[] Losses, double[] Kls, float[] Parameters);

    /// <summary>Per-step batch sums of −ELBO and KL, recovered from the trainer's running means (ReportEvery = 1).</summary>
    private static Run Train(IAccelerator accelerator)
    {
        using (accelerator)
        {
            ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, StepsPerEpoch * BatchSize);
            var architecture = new VaeArchitecture(784, [400], 20, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));
            var settings = TrainingFixtures.Settings(epochs: Steps / StepsPerEpoch, batchSize: BatchSize) with { ReportEvery = 1 };
            var losses = new double[Steps];
            var kls = new double[Steps];
            using var trainer = new Trainer(accelerator, architecture, settings, train);
            trainer.Load(null);
            for (int epoch = 1; epoch <= settings.Epochs; epoch++)
            {
                double lossBefore = 0, klBefore = 0;
                trainer.RunEpoch(epoch, progress =>
                {
                    int examples = progress.Step * BatchSize, index = (epoch - 1) * StepsPerEpoch + progress.Step - 1;
                    double lossSum = progress.MeanLoss * examples, klSum = progress.MeanKl * examples;
                    losses[index] = lossSum - lossBefore;
                    kls[index] = klSum - klBefore;
                    (lossBefore, klBefore) = (lossSum, klSum);
                });
            }
            return new Run(losses, kls, trainer.Model.Save().Parameters);
        }
    }

    private static void AssertRelative(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Abs(expected),
            $"{what}: cpu {expected:R}, device {actual:R}, relative difference {Math.Abs(expected - actual) / Math.Abs(expected):G3}");
}
