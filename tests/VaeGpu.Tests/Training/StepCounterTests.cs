using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Data;
using VaeGpu.Kernels;
using VaeGpu.Model;
using VaeGpu.Random;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Training;

namespace VaeGpu.Tests.Training;

/// <summary>
/// <see cref="TrainingStep"/> owns the step bookkeeping: its host counts of steps and of the epoch's
/// steps follow the device's step counter and cursor (checked after every step here, and by the trainer
/// once an epoch), across short last batches, loss logs that fill mid-epoch, mid-epoch resumes and
/// table batches gathered on the host; and the check fails when the two disagree.
/// </summary>
public sealed class StepCounterTests
{
    public static TheoryData<string, bool> Cases => new()
    {
        { "cpu", false }, { "cpu", true }, { "ilgpu-cpu", false }, { "ilgpu-cpu", true },
    };

    private const int BatchSize = 64;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Host_and_device_counters_agree_after_every_step(string device, bool table)
    {
        using IAccelerator accelerator = device == "cpu" ? new CpuAccelerator() : IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu);
        ImageSet train = Data(table, count: 5 * BatchSize + 37); // five full batches and a short one
        using var model = new VaeModel(accelerator, Architecture(train));
        using var images = new DeviceImages(accelerator, train);
        using var step = new TrainingStep(accelerator, model, images, Settings());
        long start = 1 + System.Random.Shared.Next(1000);   // a resumed run's step count
        step.Load(model.InitialState(3) with { Step = start });
        int[] order = new int[train.Count];

        for (int epoch = 1; epoch <= 2; epoch++)
        {
            Permutation.FillShuffled(order, 3, epoch);
            // Epoch 2 resumes from a checkpoint two steps in, as Trainer.RunEpoch does.
            PartialEpoch? resume = epoch == 2 ? new PartialEpoch(2, 2, 2 * BatchSize, 1.5, 0.5, 0) : null;
            step.BeginEpoch(epoch, order, resume);
            int first = resume?.StepsDone ?? 0;
            Assert.Equal(first, step.StepInEpoch);
            step.CheckCounters();
            for (int s = first; s < 6; s++)
            {
                step.Run(Math.Min(BatchSize, train.Count - s * BatchSize));
                step.CheckCounters();
                if (step.LossesDue || s == 5) step.ReadLosses();
            }
            Assert.Equal(6, step.StepInEpoch);
        }
        Assert.Equal(start + 6 + 4, step.Step);
        Assert.Equal(start + 6 + 4, model.Save().Step);
    }

    [Fact]
    public void A_device_counter_that_drifted_from_the_host_is_reported_with_both_counts()
    {
        using var accelerator = new CpuAccelerator();
        ImageSet train = Data(table: false, count: 3 * BatchSize);
        using var model = new VaeModel(accelerator, Architecture(train));
        using var images = new DeviceImages(accelerator, train);
        using var step = new TrainingStep(accelerator, model, images, Settings());
        step.Load(model.InitialState(3));
        step.BeginEpoch(1, Enumerable.Range(0, train.Count).ToArray());
        step.Run(BatchSize);
        step.Run(BatchSize);
        step.CheckCounters();

        accelerator.Upload<uint>(model.StepCounter, [7]);
        var error = Assert.Throws<InvalidOperationException>(step.CheckCounters);
        Assert.Contains("host counted step 2", error.Message);
        Assert.Contains("device's counters say step 7", error.Message);
    }

    [Fact]
    public void An_epoch_cannot_begin_over_losses_that_were_never_read()
    {
        using var accelerator = new CpuAccelerator();
        ImageSet train = Data(table: false, count: 2 * BatchSize);
        using var model = new VaeModel(accelerator, Architecture(train));
        using var images = new DeviceImages(accelerator, train);
        using var step = new TrainingStep(accelerator, model, images, Settings());
        step.Load(model.InitialState(3));
        int[] order = Enumerable.Range(0, train.Count).ToArray();
        step.BeginEpoch(1, order);
        step.Run(BatchSize);
        Assert.Throws<InvalidOperationException>(() => step.BeginEpoch(2, order));
        step.ReadLosses();
        step.BeginEpoch(2, order);
    }

    // ReportEvery 4 does not divide the six steps of an epoch: the log fills mid-epoch.
    private static TrainingSettings Settings() =>
        new(2, BatchSize, 3, new KlWeight(1f, 0), new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), ReportEvery: 4);

    private static VaeArchitecture Architecture(ImageSet train) =>
        new(train.PixelsPerImage, [16], 3, Activation.Relu, train.IsTable ? Likelihood.Gaussian(1f) : Likelihood.Bernoulli,
            new LogVarClamp(-30f, 20f));

    private static ImageSet Data(bool table, int count)
    {
        ImageSet images = TrainingFixtures.EmbeddedData.Train.Slice(0, count);
        if (!table) return images;
        var random = new System.Random(count);
        float[] features = new float[count * 9];
        for (int i = 0; i < features.Length; i++) features[i] = (float)(random.NextDouble() * 4 - 2);
        return ImageSet.FromFeatures(features, count, 9, null, "test table");
    }
}
