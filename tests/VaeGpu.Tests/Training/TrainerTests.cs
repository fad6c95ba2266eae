using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Training;

public sealed class TrainerTests
{
    [Fact]
    public void Training_the_default_model_on_the_embedded_data_drives_the_test_loss_well_below_its_start()
    {
        DataSplit data = TrainingFixtures.EmbeddedData;
        var architecture = new VaeArchitecture(784, [400], 20, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));
        using var accelerator = new CpuAccelerator();
        using var trainer = new Trainer(accelerator, architecture, TrainingFixtures.Settings(epochs: 2, batchSize: 128), data.Train);
        trainer.Load(null);
        using var evaluator = new Evaluator(trainer.Model, data.Test, batchSize: 300, seed: 7);

        double initial = evaluator.Evaluate().Loss;
        EpochResult first = trainer.RunEpoch(1);
        EpochResult second = trainer.RunEpoch(2);
        EvaluationResult final = evaluator.Evaluate();

        // An untrained decoder scores about 545 nats per image (−784·log 0.5 is 543); two epochs on
        // 9,000 images reach about 300. "Well below" is set at 65% of the start.
        Assert.InRange(initial, 500, 600);
        Assert.True(final.Loss < 0.65 * initial, $"test −ELBO went from {initial:F1} to {final.Loss:F1}");
        Assert.True(second.Loss < first.Loss, $"train −ELBO went from {first.Loss:F1} to {second.Loss:F1}");
        Assert.Equal(final.Recon + final.Kl, final.Loss, 1e-6);
        Assert.True(final.Kl > 0);
        Assert.Equal(2 * trainer.StepsPerEpoch, trainer.Step);
    }

    [Fact]
    [Trait("CpuPaths", "all")] // .ci/run runs it again on the AVX2 and the scalar CPU paths
    public void Two_epochs_then_three_more_from_saved_state_equal_five_uninterrupted_epochs()
    {
        ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, 950); // 950 = 9 full batches of 100 and one of 50
        VaeArchitecture architecture = TrainingFixtures.SmallArchitecture();
        TrainingSettings settings = TrainingFixtures.Settings(epochs: 5);

        ModelState uninterrupted = Train(architecture, settings, train, null, 1, 5);
        ModelState afterTwo = Train(architecture, settings, train, null, 1, 2);
        ModelState resumed = Train(architecture, settings, train, afterTwo, 3, 5);

        Assert.Equal(uninterrupted.Step, resumed.Step);
        Assert.Equal(uninterrupted.Parameters, resumed.Parameters);
        Assert.Equal(uninterrupted.AdamM, resumed.AdamM);
        Assert.Equal(uninterrupted.AdamV, resumed.AdamV);
        Assert.NotEqual(afterTwo.Parameters, resumed.Parameters);
    }

    [Fact]
    [Trait("CpuPaths", "all")] // .ci/run runs it again on the AVX2 and the scalar CPU paths
    public void The_same_seed_gives_the_same_run_and_another_seed_another_run()
    {
        ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, 300);
        VaeArchitecture architecture = TrainingFixtures.SmallArchitecture();

        ModelState a = Train(architecture, TrainingFixtures.Settings(1, seed: 11), train, null, 1, 1);
        ModelState b = Train(architecture, TrainingFixtures.Settings(1, seed: 11), train, null, 1, 1);
        ModelState c = Train(architecture, TrainingFixtures.Settings(1, seed: 12), train, null, 1, 1);

        Assert.Equal(a.Parameters, b.Parameters);
        Assert.NotEqual(a.Parameters, c.Parameters);
    }

    [Fact]
    [Trait("CpuPaths", "all")] // .ci/run runs it again on the AVX2 and the scalar CPU paths
    public void Both_cpu_gemm_versions_train_bit_identically()
    {
        // Version 2 is only faster: same sums in the same order, exp rounded once from double.
        ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, 1000);
        VaeArchitecture architecture = TrainingFixtures.SmallArchitecture();
        TrainingSettings settings = TrainingFixtures.Settings(epochs: 3);

        ModelState plain = Train(architecture, settings, train, null, 1, 3, new CpuAccelerator(gemmVersion: 1));
        ModelState fast = Train(architecture, settings, train, null, 1, 3, new CpuAccelerator(gemmVersion: 2));

        Assert.Equal(plain.Parameters, fast.Parameters);
        Assert.Equal(plain.AdamV, fast.AdamV);
    }

    [Fact]
    public void A_nan_in_the_loss_stops_training_naming_the_term_epoch_and_step()
    {
        ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, 1000);
        VaeArchitecture architecture = TrainingFixtures.SmallArchitecture();
        using var accelerator = new CpuAccelerator();
        using var trainer = new Trainer(accelerator, architecture, TrainingFixtures.Settings(epochs: 3), train);
        trainer.Load(null);
        trainer.RunEpoch(1);

        // Poison one weight of the output layer: the next step's reconstruction term is NaN.
        ModelState state = trainer.Model.Save();
        state.Parameters[trainer.Model.Layout.Output.WeightOffset + 5] = float.NaN;
        trainer.Load(state);

        var error = Assert.Throws<TrainingDivergedException>(() => trainer.RunEpoch(2));
        Assert.Equal("reconstruction", error.Term);
        Assert.Equal(2, error.Epoch);
        Assert.Equal(11, error.Step); // 10 steps per epoch: the first step of epoch 2 is step 11
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("epoch 2, step 11", error.Message, StringComparison.Ordinal);
    }

    private static ModelState Train(VaeArchitecture architecture, TrainingSettings settings, ImageSet train,
        ModelState? start, int firstEpoch, int lastEpoch, CpuAccelerator? cpu = null)
    {
        using CpuAccelerator accelerator = cpu ?? new CpuAccelerator();
        using var trainer = new Trainer(accelerator, architecture, settings, train);
        trainer.Load(start);
        for (int epoch = firstEpoch; epoch <= lastEpoch; epoch++) trainer.RunEpoch(epoch);
        return trainer.Model.Save();
    }
}
