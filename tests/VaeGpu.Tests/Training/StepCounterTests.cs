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
        using var cpu = new CpuStep(images: 3 * BatchSize);
        cpu.Step.BeginEpoch(1, cpu.Order);
        cpu.Step.Run(BatchSize);
        cpu.Step.Run(BatchSize);
        cpu.Step.CheckCounters();

        cpu.Accelerator.Upload<uint>(cpu.Model.StepCounter, [7]);
        var error = Assert.Throws<InvalidOperationException>(cpu.Step.CheckCounters);
        Assert.Contains("host counted step 2", error.Message);
        Assert.Contains("device's counters say step 7", error.Message);
    }

    [Fact]
    public void An_epoch_cannot_begin_over_losses_that_were_never_read()
    {
        using var cpu = new CpuStep(images: 2 * BatchSize);
        cpu.Step.BeginEpoch(1, cpu.Order);
        cpu.Step.Run(BatchSize);
        Assert.Throws<InvalidOperationException>(() => cpu.Step.BeginEpoch(2, cpu.Order));
        cpu.Step.ReadLosses();
        cpu.Step.BeginEpoch(2, cpu.Order);
    }

    /// <summary>A freshly loaded training step on the CPU over the first embedded images, in their order.</summary>
    private sealed class CpuStep : IDisposable
    {
        public CpuStep(int images)
        {
            ImageSet train = Data(table: false, count: images);
            Model = new VaeModel(Accelerator, Architecture(train));
            _images = new DeviceImages(Accelerator, train);
            Step = new TrainingStep(Accelerator, Model, _images, Settings());
            Step.Load(Model.InitialState(3));
            Order = Enumerable.Range(0, images).ToArray();
        }

        private readonly DeviceImages _images;
        public CpuAccelerator Accelerator { get; } = new();
        public VaeModel Model { get; }
        public TrainingStep Step { get; }
        public int[] Order { get; }

        public void Dispose()
        {
            Step.Dispose();
            _images.Dispose();
            Model.Dispose();
            Accelerator.Dispose();
        }
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
