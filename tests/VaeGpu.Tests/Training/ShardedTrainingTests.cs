using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Random;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Training;

/// <summary>
/// Distributed:Shards in one process (issue 23's definition of a data-parallel step): a batch cut into shards, each
/// shard's gradient on its own, their sum in shard order. The sum is the whole batch's gradient up to rounding (so the
/// gather, the noise and the 1/rows scale of each shard are right), and it is the same bits at every thread count and
/// on ilgpu-cpu (so N processes, each running one shard, can reproduce it).
/// </summary>
[Trait("CpuPaths", "all")] // .ci/run runs these again on the AVX2 and the scalar CPU paths
public sealed class ShardedTrainingTests
{
    private static readonly VaeArchitecture Mlp = new(784, [48], 6, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));

    private static readonly VaeArchitecture Conv =
        new(784, [], 6, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f)) { Conv = new ConvSpec(28, 28, 1, [4, 8]) };

    private static readonly VaeArchitecture Table =
        new(30, [16], 3, Activation.Tanh, Likelihood.GaussianLearned(1f), new LogVarClamp(-30f, 20f));

    public static TheoryData<string, int, int, int> Steps => new()
    {
        // model, shards, the step in the epoch (a batch of 32 over 84 records: 32, 32, then 20), its rows
        { "mlp", 2, 0, 32 },
        { "mlp", 4, 1, 32 },
        { "mlp", 4, 2, 20 },   // the short last batch fills 3 of the 4 shards (8, 8, 4 rows)
        { "mlp", 32, 2, 20 },  // one row per shard
        { "conv", 2, 0, 32 },
        { "conv", 8, 2, 20 },
        { "table", 4, 0, 32 }, // gathered on the host; a learned σ per feature
        { "table", 4, 2, 20 },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public void A_sharded_steps_gradient_and_losses_are_the_whole_batchs_up_to_rounding(string model, int shards, int stepInEpoch, int rows)
    {
        (VaeArchitecture architecture, ImageSet data) = Case(model);
        using var accelerator = new CpuAccelerator();
        Step whole = OneStep(accelerator, architecture, data, shards: 1, stepInEpoch);
        Step sharded = OneStep(accelerator, architecture, data, shards, stepInEpoch);

        Assert.Equal(rows, whole.Rows);
        // Another order of the same sums: a relative difference of the order of float rounding, norm-wise (an element
        // whose terms cancel may differ more on its own). A wrong noise row, gather row or scale moves it by far more.
        double norm = Math.Sqrt(whole.Gradients.Sum(g => (double)g * g));
        double difference = Math.Sqrt(whole.Gradients.Zip(sharded.Gradients, (a, b) => ((double)a - b) * ((double)a - b)).Sum());
        Assert.True(difference <= 1e-5 * norm, $"the sharded gradient differs from the whole batch's by {difference / norm:G3} of its norm");
        Assert.Equal(whole.Recon, sharded.Recon, 1e-5 * Math.Abs(whole.Recon));
        Assert.Equal(whole.Kl, sharded.Kl, 1e-5 * Math.Abs(whole.Kl) + 1e-6);
    }

    [Theory]
    [InlineData("mlp", 4)]
    [InlineData("conv", 2)]
    [InlineData("table", 4)]
    public void Sharded_training_gives_the_same_bits_at_every_thread_count_and_on_ilgpu_cpu(string model, int shards)
    {
        (VaeArchitecture architecture, ImageSet data) = Case(model);
        TrainingSettings settings = TrainingFixtures.Settings(epochs: 2, batchSize: 32) with { Shards = shards };
        ModelState reference = Train(new CpuAccelerator(threads: 1), architecture, settings, data);
        Assert.Equal(6, reference.Step);
        foreach (IAccelerator accelerator in new IAccelerator[] { new CpuAccelerator(threads: 2), new CpuAccelerator(threads: 3, gemmVersion: 1),
                     IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu) })
        {
            string name = accelerator.Name;
            ModelState state = Train(accelerator, architecture, settings, data);
            Assert.True(Bits(reference.Parameters).SequenceEqual(Bits(state.Parameters)), $"{name}: parameters differ from cpu (1 thread)");
            Assert.True(Bits(reference.AdamV).SequenceEqual(Bits(state.AdamV)), $"{name}: Adam's v differs from cpu (1 thread)");
        }
        // And the shards matter: one shard trains other bits (its sums run in another order).
        ModelState unsharded = Train(new CpuAccelerator(threads: 1), architecture, settings with { Shards = 1 }, data);
        Assert.False(Bits(reference.Parameters).SequenceEqual(Bits(unsharded.Parameters)));
    }

    [Fact]
    public void A_trainer_refuses_shards_that_do_not_divide_the_batch_or_a_batchnorm_model()
    {
        using var accelerator = new CpuAccelerator();
        ImageSet data = TrainingFixtures.EmbeddedData.Train.Slice(0, 84);
        var error = Assert.Throws<ArgumentException>(() =>
            new Trainer(accelerator, Mlp, TrainingFixtures.Settings(1, batchSize: 32) with { Shards = 3 }, data));
        Assert.Contains("3 shards do not divide a batch of 32", error.Message);
        VaeArchitecture normalized = Conv with { Conv = new ConvSpec(28, 28, 1, [4, 8]) { Norm = ConvNorm.Batch } };
        error = Assert.Throws<ArgumentException>(() =>
            new Trainer(accelerator, normalized, TrainingFixtures.Settings(1, batchSize: 32) with { Shards = 2 }, data));
        Assert.Contains("BatchNorm", error.Message);
    }

    private static (VaeArchitecture Architecture, ImageSet Data) Case(string model) => model switch
    {
        "mlp" => (Mlp, TrainingFixtures.EmbeddedData.Train.Slice(0, 84)),
        "conv" => (Conv, TrainingFixtures.EmbeddedData.Train.Slice(0, 84)),
        "table" => (Table, TableData(84, 30)),
        _ => throw new ArgumentException(model),
    };

    /// <summary>Standardized-looking features with a shared low-rank structure, so that the model has something to learn.</summary>
    private static ImageSet TableData(int count, int width)
    {
        var random = new System.Random(41);
        float[] features = new float[count * width];
        for (int r = 0; r < count; r++)
        {
            double a = random.NextDouble() * 2 - 1, b = random.NextDouble() * 2 - 1;
            for (int j = 0; j < width; j++) features[r * width + j] = (float)(a * Math.Sin(j) + b * Math.Cos(0.5 * j) + 0.1 * (random.NextDouble() - 0.5));
        }
        return ImageSet.FromFeatures(features, count, width, null, "table");
    }

    private sealed record Step(int Rows, float[] Gradients, double Recon, double Kl);

    /// <summary>
    /// Step <paramref name="stepInEpoch"/> of epoch 1 from the seed's initial parameters (the steps before it skipped, as
    /// a mid-epoch resume skips them): its gradient and its loss sums.
    /// </summary>
    private static Step OneStep(IAccelerator accelerator, VaeArchitecture architecture, ImageSet data, int shards, int stepInEpoch)
    {
        TrainingSettings settings = TrainingFixtures.Settings(epochs: 1, batchSize: 32) with { Shards = shards };
        using var model = new VaeModel(accelerator, architecture);
        using var images = new DeviceImages(accelerator, data);
        using var step = new TrainingStep(accelerator, model, images, settings);
        step.Load(model.InitialState(settings.Seed));
        int[] order = new int[data.Count];
        Permutation.FillShuffled(order, settings.Seed, 1);
        step.BeginEpoch(1, order, stepInEpoch == 0 ? null : new PartialEpoch(1, stepInEpoch, stepInEpoch * 32, 0, 0, 0));
        int rows = Math.Min(32, data.Count - stepInEpoch * 32);
        step.Run(rows);
        step.ReadLosses();
        var gradients = new float[model.Layout.ParameterCount];
        accelerator.Download<float>(model.Gradients, gradients);
        return new Step(rows, gradients, step.Losses.Recon, step.Losses.Kl);
    }

    private static ModelState Train(IAccelerator accelerator, VaeArchitecture architecture, TrainingSettings settings, ImageSet data)
    {
        using (accelerator)
        {
            using var trainer = new Trainer(accelerator, architecture, settings, data);
            trainer.Load(null);
            for (int epoch = 1; epoch <= settings.Epochs; epoch++) trainer.RunEpoch(epoch);
            return trainer.Model.Save();
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
