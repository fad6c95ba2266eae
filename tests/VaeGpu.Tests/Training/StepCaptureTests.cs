using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Kernels;
using VaeGpu.Model;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Training;

namespace VaeGpu.Tests.Training;

/// <summary>
/// The training step as a replayed capture. On the CPU, <see cref="RecordingAccelerator"/> stands in
/// for CUDA's stream capture: during a capture it records every op with the arguments it was issued
/// with (and refuses what a CUDA capture refuses), and a replay issues exactly those calls again.
/// If anything in a step depended on host state that changes from step to step, the replayed
/// training would differ from the op-by-op one; it is bit-identical instead, with one graph for full
/// batches and one for the short last batch. On CUDA, the real graphs are compared the same way.
/// </summary>
public sealed class StepCaptureTests
{
    // 1,050 images in batches of 100: ten full batches and a short one of 50 per epoch.
    private const int Images = 1050, BatchSize = 100, Epochs = 3;

    [Fact]
    public void Replaying_a_recorded_step_trains_bit_identically_to_running_its_ops()
    {
        (float[] expected, double expectedLoss) = Train(new CpuAccelerator(), capture: true);
        using var recording = new RecordingAccelerator(new CpuAccelerator());
        (float[] actual, double actualLoss) = Train(recording, capture: true, dispose: false);

        Assert.Equal(2, recording.Captures);
        Assert.True(recording.Replays >= Epochs * 11 - 2 - 2, $"{recording.Replays} replays");
        Assert.Equal(expectedLoss, actualLoss);
        AssertSameBits(expected, actual);
    }

    [Fact]
    public void Cuda_graph_replay_equals_the_uncaptured_step_bit_for_bit()
    {
        string? skip = IlgpuTestDevice.SkipReason(IlgpuTestDevice.Cuda);
        Assert.SkipWhen(skip is not null, skip ?? "");
        (float[] eager, double eagerLoss) = Train(IlgpuTestDevice.Create(IlgpuTestDevice.Cuda), capture: false);
        (float[] graphs, double graphLoss) = Train(IlgpuTestDevice.Create(IlgpuTestDevice.Cuda), capture: true);

        Assert.Equal(eagerLoss, graphLoss);
        AssertSameBits(eager, graphs);
    }

    private static (float[] Parameters, double LastLoss) Train(IAccelerator accelerator, bool capture, bool dispose = true)
    {
        try
        {
            ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, Images);
            TrainingSettings settings = TrainingFixtures.Settings(Epochs, BatchSize) with { ReportEvery = 3, CaptureSteps = capture };
            using var trainer = new Trainer(accelerator, TrainingFixtures.SmallArchitecture(), settings, train);
            trainer.Load(null);
            EpochResult last = default!;
            for (int epoch = 1; epoch <= Epochs; epoch++) last = trainer.RunEpoch(epoch);
            return (trainer.Model.Save().Parameters, last.Loss);
        }
        finally
        {
            if (dispose) accelerator.Dispose();
        }
    }

    private static void AssertSameBits(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int differing = expected.Zip(actual, (e, a) => BitConverter.SingleToInt32Bits(e) != BitConverter.SingleToInt32Bits(a)).Count(d => d);
        Assert.True(differing == 0, $"{differing} of {expected.Length} parameters differ");
    }
}

/// <summary>
/// A CPU accelerator that captures like CUDA: while capturing, each op is recorded as a call with
/// the arguments it was issued with, not run; Allocate/Upload/Download/Synchronize are refused.
/// </summary>
internal sealed class RecordingAccelerator(IAccelerator inner) : ForwardingAccelerator(inner), IStepCapture
{
    private List<Action>? _recording;

    public int Captures { get; private set; }
    public int Replays { get; private set; }

    public override string Name => $"recording {Inner.Name}";
    public bool CanCapture => true;

    public ICapturedOps Capture(Action ops)
    {
        _recording = [];
        try
        {
            ops();
            Captures++;
            return new Recorded(this, _recording);
        }
        finally
        {
            _recording = null;
        }
    }

    private sealed class Recorded(RecordingAccelerator owner, List<Action> calls) : ICapturedOps
    {
        public void Replay()
        {
            owner.Replays++;
            foreach (Action call in calls) call();
        }

        public void Dispose() => calls.Clear();
    }

    protected override void Op(string name, Action call)
    {
        if (_recording is not null) _recording.Add(call);
        else call();
    }

    private void Refused(string what)
    {
        if (_recording is not null) throw new InvalidOperationException($"{what} while capturing");
    }

    public override DeviceBuffer<T> Allocate<T>(int length)
    {
        Refused(nameof(Allocate));
        return Inner.Allocate<T>(length);
    }

    public override void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source)
    {
        Refused(nameof(Upload));
        Inner.Upload(destination, source);
    }

    public override void Download<T>(DeviceSpan<T> source, Span<T> destination)
    {
        Refused(nameof(Download));
        Inner.Download(source, destination);
    }

    public override void Synchronize()
    {
        Refused(nameof(Synchronize));
        Inner.Synchronize();
    }
}

/// <summary>How many kernels one training step launches on an ILGPU accelerator (what `bench` reports per step).</summary>
public sealed class LaunchCountTests
{
    [Fact]
    public void A_step_of_the_default_shape_launches_twenty_four_kernels()
    {
        // gather 1; encoder, head, decoder forward 3; reparameterize 1; ElboOutput 2 (GEMM + row sums);
        // backward: output and decoder layers 3 each, reparameterize 1, head 3, first encoder layer 2 (no dx);
        // Adam 1; FinishStep: loss-log slots 2, step counter and batch cursor 2.
        Assert.Equal(1 + 3 + 1 + 2 + 3 + 3 + 1 + 3 + 2 + 1 + 2 + 2, LaunchesPerStep(new KernelVersions(Step: 1)));
    }

    [Fact]
    public void A_fused_step_of_the_default_shape_launches_twelve_kernels()
    {
        // gather with the first encoder layer 1; head with reparameterize 1; decoder 1; ElboOutput 2; backward:
        // one grouped launch per layer (4) and reparameterize 1; Adam 1; FinishStep 1 (both loss-log slots
        // and both counters).
        Assert.Equal(1 + 1 + 1 + 2 + 4 + 1 + 1 + 1, LaunchesPerStep(new KernelVersions(Step: 2)));
    }

    /// <summary>One op-by-op step (no capture on ilgpu-cpu) of the default model's layer structure at batch 128.</summary>
    private static int? LaunchesPerStep(KernelVersions versions)
    {
        using var accelerator = IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu, versions);
        // 784-16-4-16-784 has the default model's layer structure (one hidden layer) at a size ilgpu-cpu runs quickly.
        var architecture = VaeGpu.Benchmarks.TrainingStepRunner.DefaultArchitecture(hidden: 16, latent: 4);
        using var runner = new VaeGpu.Benchmarks.TrainingStepRunner(accelerator, architecture, TrainingFixtures.EmbeddedData.Train.Slice(0, 256), 128);
        Assert.False(runner.Captures);
        return runner.KernelLaunchesPerStep;
    }
}
