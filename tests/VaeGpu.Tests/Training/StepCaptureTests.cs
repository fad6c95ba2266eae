using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Configuration;
using VaeGpu.Data;
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
            trainer.Initialize();
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
internal sealed class RecordingAccelerator(IAccelerator inner) : IAccelerator, IStepCapture
{
    private List<Action>? _recording;

    public int Captures { get; private set; }
    public int Replays { get; private set; }

    public string Name => $"recording {inner.Name}";
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

    private void Op(Action call)
    {
        if (_recording is not null) _recording.Add(call);
        else call();
    }

    private void Refused(string what)
    {
        if (_recording is not null) throw new InvalidOperationException($"{what} while capturing");
    }

    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged
    {
        Refused(nameof(Allocate));
        return inner.Allocate<T>(length);
    }

    public void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged
    {
        Refused(nameof(Upload));
        inner.Upload(destination, source);
    }

    public void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged
    {
        Refused(nameof(Download));
        inner.Download(source, destination);
    }

    public void Synchronize()
    {
        Refused(nameof(Synchronize));
        inner.Synchronize();
    }

    public void LinearForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation) =>
        Op(() => inner.LinearForward(x, w, b, y, rows, inFeatures, outFeatures, activation));

    public void LinearBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> dw,
        DeviceSpan<float> db, DeviceSpan<float> dx, int rows, int inFeatures, int outFeatures, Activation inputActivation) =>
        Op(() => inner.LinearBackward(dy, x, w, dw, db, dx, rows, inFeatures, outFeatures, inputActivation));

    public void Reparameterize(DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl,
        int rows, int latent, LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter) =>
        Op(() => inner.Reparameterize(head, z, eps, kl, rows, latent, clamp, noise, counter));

    public void ReparameterizeBackward(DeviceSpan<float> dz, DeviceSpan<float> head, DeviceSpan<float> eps,
        DeviceSpan<float> dHead, int rows, int latent, LogVarClamp clamp, KlWeight klWeight, float klScale, DeviceSpan<uint> counter) =>
        Op(() => inner.ReparameterizeBackward(dz, head, eps, dHead, rows, latent, clamp, klWeight, klScale, counter));

    public void ElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures, Likelihood likelihood, float gradScale,
        DeviceSpan<float> logSigma = default) =>
        Op(() => inner.ElboOutput(h, w, b, target, nll, dLogits, rows, hidden, outFeatures, likelihood, gradScale, logSigma));

    public void LogSigmaGradient(DeviceSpan<float> dLogits, DeviceSpan<float> logSigma, DeviceSpan<float> dLogSigma,
        int rows, int features, float gradScale) =>
        Op(() => inner.LogSigmaGradient(dLogits, logSigma, dLogSigma, rows, features, gradScale));

    public void AdamStep(DeviceSpan<float> parameters, DeviceSpan<float> gradients, DeviceSpan<float> m, DeviceSpan<float> v,
        AdamSettings adam, DeviceSpan<uint> counter) =>
        Op(() => inner.AdamStep(parameters, gradients, m, v, adam, counter));

    public void Reduce(DeviceSpan<float> source, DeviceSpan<float> destination) => Op(() => inner.Reduce(source, destination));

    public void GatherRows(DeviceSpan<byte> images, DeviceSpan<int> indices, DeviceSpan<float> destination, int rows, int rowLength) =>
        Op(() => inner.GatherRows(images, indices, destination, rows, rowLength));

    public void GatherBatch(DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor, int batchSize,
        DeviceSpan<float> destination, int rows, int rowLength) =>
        Op(() => inner.GatherBatch(images, order, cursor, batchSize, destination, rows, rowLength));

    public void ReduceToSlot(DeviceSpan<float> source, DeviceSpan<float> log, int width, int component, DeviceSpan<uint> cursor) =>
        Op(() => inner.ReduceToSlot(source, log, width, component, cursor));

    public void AdvanceCounter(DeviceSpan<uint> counter) => Op(() => inner.AdvanceCounter(counter));

    public void Dispose() => inner.Dispose();
}

/// <summary>How many kernels one training step launches on an ILGPU accelerator (what `bench` reports per step).</summary>
public sealed class LaunchCountTests
{
    [Fact]
    public void A_step_of_the_default_shape_launches_twenty_four_kernels()
    {
        using var accelerator = IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu);
        // 784-16-4-16-784 has the default model's layer structure (one hidden layer) at a size ilgpu-cpu runs quickly.
        var architecture = VaeGpu.Benchmarks.TrainingStepRunner.DefaultArchitecture(hidden: 16, latent: 4);
        using var runner = new VaeGpu.Benchmarks.TrainingStepRunner(accelerator, architecture, TrainingFixtures.EmbeddedData.Train.Slice(0, 64), 16);

        // gather 1; encoder, head, decoder forward 3; reparameterize 1; ElboOutput 2 (GEMM + row sums);
        // loss-log slots 2; backward: output and decoder layers 3 each, reparameterize 1, head 3,
        // first encoder layer 2 (no dx); Adam 1; step counter and batch cursor 2.
        Assert.Equal(1 + 3 + 1 + 2 + 2 + 3 + 3 + 1 + 3 + 2 + 1 + 2, runner.KernelLaunchesPerStep);
        Assert.False(runner.Captures);
    }
}
