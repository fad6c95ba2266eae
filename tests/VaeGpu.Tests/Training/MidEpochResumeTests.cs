using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Training;

/// <summary>
/// A trainer stopped inside an epoch and a new trainer resumed from what it saved (the model state and
/// the <see cref="PartialEpoch"/>) end with the parameters, Adam moments and epoch losses of one that
/// never stopped, bit for bit: the batch order is a function of (seed, epoch) and the noise of (seed, step).
/// </summary>
[Trait("CpuPaths", "all")] // .ci/run runs these again on the AVX2 and the scalar CPU paths
public sealed class MidEpochResumeTests
{
    public static TheoryData<string, int> Devices => new() { { "cpu", 1 }, { "ilgpu-cpu", 1 }, { "cpu", 4 }, { "ilgpu-cpu", 4 } };

    private static IAccelerator Create(string device) =>
        device == "cpu" ? new CpuAccelerator() : IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu);

    private static readonly VaeArchitecture Small =
        new(784, [16], 4, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));

    [Theory]
    [MemberData(nameof(Devices))]
    public void A_stop_inside_an_epoch_then_a_resume_equals_the_uninterrupted_epochs(string device, int shards)
    {
        ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, 700); // 7 steps of 100 per epoch
        TrainingSettings settings = TrainingFixtures.Settings(epochs: 2) with { Shards = shards };

        using IAccelerator accelerator = Create(device);
        (ModelState whole, EpochResult wholeLast) = Uninterrupted(accelerator, settings, train);

        // Stop after step 10 (epoch 2, 3 steps in); the periodic checkpoint after step 2 must not disturb anything.
        var control = new ScriptedControl(stopAfterStep: 10, checkpointEvery: 2);
        ModelState stoppedState;
        PartialEpoch partial;
        using (var trainer = new Trainer(accelerator, Small, settings, train))
        {
            trainer.Load(null);
            control.Trainer = trainer;
            Assert.Null(trainer.RunEpoch(1, control: control).Stopped);
            EpochResult stopped = trainer.RunEpoch(2, control: control);
            partial = Assert.IsType<PartialEpoch>(stopped.Stopped);
            stoppedState = trainer.Model.Save();
        }
        Assert.Equal(new[] { 2, 4, 6, 9 }, control.CheckpointSteps.Select(p => p.StepsDone + 7 * (p.Epoch - 1)).Take(4));
        Assert.Equal((2, 3, 300), (partial.Epoch, partial.StepsDone, partial.ExamplesDone));
        Assert.Equal(10, stoppedState.Step);

        using var resumed = new Trainer(accelerator, Small, settings, train);
        resumed.Load(stoppedState);
        EpochResult last = resumed.RunEpoch(2, resumeFrom: partial);
        ModelState end = resumed.Model.Save();

        Assert.Equal(whole.Step, end.Step);
        Assert.Equal(Bits(whole.Parameters), Bits(end.Parameters));
        Assert.Equal(Bits(whole.AdamM), Bits(end.AdamM));
        Assert.Equal(Bits(whole.AdamV), Bits(end.AdamV));
        Assert.Equal((wholeLast.Loss, wholeLast.Recon, wholeLast.Kl), (last.Loss, last.Recon, last.Kl));
    }

    [Fact]
    public void A_partial_epoch_of_another_epoch_is_refused()
    {
        using var accelerator = new CpuAccelerator();
        using var trainer = new Trainer(accelerator, Small, TrainingFixtures.Settings(epochs: 2), TrainingFixtures.EmbeddedData.Train.Slice(0, 300));
        trainer.Load(null);
        Assert.Throws<ArgumentException>(() => trainer.RunEpoch(2, resumeFrom: new PartialEpoch(1, 1, 100, 1, 1, 1)));
    }

    private static (ModelState, EpochResult) Uninterrupted(IAccelerator accelerator, TrainingSettings settings, ImageSet train)
    {
        using var trainer = new Trainer(accelerator, Small, settings, train);
        trainer.Load(null);
        trainer.RunEpoch(1);
        EpochResult last = trainer.RunEpoch(2);
        return (trainer.Model.Save(), last);
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    private sealed class ScriptedControl(long stopAfterStep, int checkpointEvery) : ITrainingControl
    {
        public Trainer? Trainer { get; set; }

        public List<PartialEpoch> CheckpointSteps { get; } = [];

        public bool StopRequested => Trainer!.Step >= stopAfterStep;

        public bool CheckpointDue(int stepsInEpoch) => stepsInEpoch % checkpointEvery == 0;

        public void SaveCheckpoint(PartialEpoch partial) => CheckpointSteps.Add(partial);
    }
}
