using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Training;

/// <summary>
/// A convolutional VAE (28×28×1, channels 4,8, latent 4) trains through the Trainer like the MLP: its loss
/// falls over two epochs, and every accelerator gives the same bits, as the design promises: the cpu
/// accelerator with either GEMM and 1 or 2 threads, and ILGPU's kernels at both versions on ilgpu-cpu, end
/// with the same parameters, Adam moments and per-epoch losses, and so does OpenCL (PoCL in CI) or CUDA where present.
/// With Model:Norm = batch the BatchNorms' running statistics and the evaluation through them (test −ELBO) are the same
/// bits too, and an evaluation leaves the running statistics as they were.
/// </summary>
[Trait("CpuPaths", "all")] // .ci/run runs these again on the AVX2 and the scalar CPU paths
public sealed class ConvTrainingTests
{
    private const int BatchSize = 32, Examples = 8 * BatchSize;

    /// <param name="learnSigma">A Gaussian with σ learned per image channel instead of the Bernoulli.</param>
    private static VaeArchitecture Architecture(ConvNorm norm, bool learnSigma) =>
        new(28 * 28, [], 4, Activation.Relu, learnSigma ? Likelihood.GaussianLearned(0.2f) : Likelihood.Bernoulli, new LogVarClamp(-30f, 20f))
        {
            Conv = new ConvSpec(28, 28, 1, [4, 8]) { Norm = norm },
        };

    private sealed record Run(double[] Losses, ModelState State, double TestLoss);

    private static Run Train(IAccelerator accelerator, ConvNorm norm, bool learnSigma)
    {
        using (accelerator)
        {
            ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, Examples);
            TrainingSettings settings = TrainingFixtures.Settings(epochs: 2, batchSize: BatchSize);
            using var trainer = new Trainer(accelerator, Architecture(norm, learnSigma), settings, train);
            trainer.Load(null);
            double[] losses = Enumerable.Range(1, settings.Epochs).Select(epoch => trainer.RunEpoch(epoch).Loss).ToArray();
            ModelState state = trainer.Model.Save();
            using var evaluator = new Evaluator(trainer.Model, TrainingFixtures.EmbeddedData.Test.Slice(0, 50), batchSize: 20, seed: 3);
            double testLoss = evaluator.Evaluate().Loss;
            Assert.Equal(state.RunningStatistics, trainer.Model.Save().RunningStatistics);
            return new Run(losses, state, testLoss);
        }
    }

    [Theory]
    [InlineData(ConvNorm.None, false)]
    [InlineData(ConvNorm.Batch, false)]
    [InlineData(ConvNorm.None, true)]
    public void A_conv_vae_trains_and_every_accelerator_gives_the_same_bits(ConvNorm norm, bool learnSigma)
    {
        Run reference = Train(new CpuAccelerator(threads: 1, gemmVersion: 1), norm, learnSigma);
        if (norm == ConvNorm.Batch)
            Assert.Contains(reference.State.RunningStatistics, value => value != 0f && value != 1f);
        Assert.True(reference.Losses[1] < reference.Losses[0], $"the loss did not fall: {string.Join(", ", reference.Losses)}");

        var others = new List<(string Name, Func<IAccelerator> Create)>
        {
            ("cpu gemm v2, 2 threads", () => new CpuAccelerator(threads: 2, gemmVersion: 2)),
            ("ilgpu-cpu k1", () => IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu, new KernelVersions(1, 1, 1, Conv: 1))),
            ("ilgpu-cpu k2", () => IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu, new KernelVersions(2, 2, 2, Conv: 2))),
        };
        // A real OpenCL runtime (PoCL in CI) or a GPU where one is here: the same bits are promised there too.
        foreach (DeviceRequest device in new[] { IlgpuTestDevice.OpenCl, IlgpuTestDevice.Cuda })
            if (IlgpuTestDevice.SkipReason(device) is null)
                others.Add(($"{device} k2", () => IlgpuTestDevice.Create(device, new KernelVersions(2, 2, 2, Conv: 2))));
        foreach ((string name, Func<IAccelerator> create) in others)
        {
            Run run = Train(create(), norm, learnSigma);
            Assert.Equal(reference.Losses, run.Losses);
            Assert.Equal(reference.TestLoss, run.TestLoss);
            AssertSameBits(name, "running statistics", reference.State.RunningStatistics, run.State.RunningStatistics);
            AssertSameBits(name, "parameters", reference.State.Parameters, run.State.Parameters);
            AssertSameBits(name, "Adam m", reference.State.AdamM, run.State.AdamM);
            AssertSameBits(name, "Adam v", reference.State.AdamV, run.State.AdamV);
            Assert.Equal(reference.State.Step, run.State.Step);
        }
    }

    private static void AssertSameBits(string accelerator, string what, float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{accelerator}: {what}[{i}] = {actual[i]:R}, the reference cpu's {expected[i]:R}");
    }
}
