using VaeGpu.Accelerators;
using VaeGpu.Kernels;
using VaeGpu.Model;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Training;

namespace VaeGpu.Tests.Training;

/// <summary>
/// `Kernels:Step=2` (the fused step: the gather with the first layer, the head GEMM with the
/// reparameterization, grouped LinearBackward launches, FinishStep) trains
/// bit for bit as the op-by-op step 1 on ilgpu-cpu, with either GEMM version: parameters, both Adam
/// moments, the step count and every loss the loss log read back, over epochs that end in a short batch.
/// </summary>
public sealed class FusedStepTests
{
    private const int Images = 250, BatchSize = 100, Epochs = 2;   // two full batches and a short one of 50 per epoch

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_fused_step_trains_bit_for_bit_as_the_op_by_op_step(int gemmVersion)
    {
        (ModelState plain, EpochResult[] plainEpochs) = Train(new KernelVersions(gemmVersion, gemmVersion, Step: 1));
        (ModelState fused, EpochResult[] fusedEpochs) = Train(new KernelVersions(gemmVersion, gemmVersion, Step: 2));

        Assert.Equal(Epochs * 3, fused.Step);
        Assert.Equal(plain.Step, fused.Step);
        Assert.Equal(Bits(plain.Parameters), Bits(fused.Parameters));
        Assert.Equal(Bits(plain.AdamM), Bits(fused.AdamM));
        Assert.Equal(Bits(plain.AdamV), Bits(fused.AdamV));
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            Assert.Equal(plainEpochs[epoch].Recon, fusedEpochs[epoch].Recon);
            Assert.Equal(plainEpochs[epoch].Kl, fusedEpochs[epoch].Kl);
            Assert.Equal(plainEpochs[epoch].LowestStepLoss, fusedEpochs[epoch].LowestStepLoss);
        }
    }

    private static (ModelState State, EpochResult[] Epochs) Train(KernelVersions versions)
    {
        using IAccelerator accelerator = IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu, versions);
        // Odd widths, so that every GEMM has partial tiles; ReportEvery 2 drains the loss log mid-epoch.
        var architecture = new VaeArchitecture(784, [23], 5, Activation.Tanh, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));
        TrainingSettings settings = TrainingFixtures.Settings(Epochs, BatchSize) with { ReportEvery = 2 };
        using var trainer = new Trainer(accelerator, architecture, settings, TrainingFixtures.EmbeddedData.Train.Slice(0, Images));
        trainer.Load(null);
        EpochResult[] epochs = Enumerable.Range(1, Epochs).Select(epoch => trainer.RunEpoch(epoch)).ToArray();
        return (trainer.Model.Save(), epochs);
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
