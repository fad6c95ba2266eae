using System.Diagnostics;
using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Model;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Tests.Training;
using VaeGpu.Training;
using VaeGpu.Kernels;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Tests.Soak;

/// <summary>Runs alone: the soak tests measure the whole process (threads, file descriptors, memory).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "soak";
}

/// <summary>
/// Issue 11's soak test, bounded for CI (well under a minute here): many create/train/dispose cycles per
/// accelerator present must not grow the process's threads, file descriptors or memory, and many
/// stop-and-resume cycles at random steps, each through a checkpoint file, must end on the parameters
/// of an uninterrupted run.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class SoakTests : IDisposable
{
    private static readonly VaeArchitecture Tiny =
        new(784, [8], 2, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, int> Accelerators()
    {
        // ilgpu-cpu takes ~1.5 s a cycle here (an ILGPU context, one OS thread per lane): 20 keeps CI bounded.
        var data = new TheoryData<string, int> { { "cpu", 50 }, { "ilgpu-cpu", 20 } };
        // A new OpenCL context recompiles all the generated OpenCL C (ILGPU numbers its generated names from a
        // process-wide counter, so nothing is reused): about 10 s a cycle on PoCL, so OpenCL runs 6 cycles.
        if (IlgpuTestDevice.SkipReason(IlgpuTestDevice.Cuda) is null) data.Add(IlgpuTestDevice.Cuda.ToString(), 50);
        if (IlgpuTestDevice.SkipReason(IlgpuTestDevice.OpenCl) is null) data.Add(IlgpuTestDevice.OpenCl.ToString(), 6);
        return data;
    }

    private static IAccelerator Create(string device) =>
        device == "cpu" ? new CpuAccelerator() : IlgpuTestDevice.Create(DeviceRequest.Parse(device));

    [Theory]
    [MemberData(nameof(Accelerators))]
    public void Create_train_dispose_cycles_do_not_grow_threads_handles_or_memory(string device, int cycles)
    {
        ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, 200); // two steps of 100
        TrainingSettings settings = TrainingFixtures.Settings(epochs: 1);
        void Cycle()
        {
            using IAccelerator accelerator = Create(device);
            using var trainer = new Trainer(accelerator, Tiny, settings, train);
            trainer.Load(null);
            trainer.RunEpoch(1);
        }

        // Warm-up: JIT, thread pools and ILGPU's one-time state settle before the baseline. The .NET thread
        // pool may still add a few threads early on, so the bound is on the second half of the cycles: a
        // leak grows with every cycle, in both halves.
        for (int i = 0; i < 3; i++) Cycle();
        for (int i = 0; i < cycles / 2; i++) Cycle();
        Usage before = Usage.Now();
        for (int i = 0; i < cycles - cycles / 2; i++) Cycle();
        Usage after = Usage.Now();
        TestContext.Current.SendDiagnosticMessage($"{device}: threads {before.Threads} → {after.Threads}, descriptors " +
            $"{before.Descriptors} → {after.Descriptors}, resident {before.ResidentBytes >> 20} → {after.ResidentBytes >> 20} MiB");

        Assert.True(after.Threads <= before.Threads + 2, $"threads outside the pool {before.Threads} → {after.Threads} over {cycles - cycles / 2} cycles");
        Assert.True(after.Descriptors <= before.Descriptors + 4, $"file descriptors {before.Descriptors} → {after.Descriptors}");
        Assert.True(after.ResidentBytes <= before.ResidentBytes + 64L * 1024 * 1024,
            $"resident memory {before.ResidentBytes / 1048576} → {after.ResidentBytes / 1048576} MiB");
    }

    [Fact]
    public void Twenty_stops_at_random_steps_each_resumed_from_a_checkpoint_file_end_on_the_uninterrupted_parameters()
    {
        ImageSet train = TrainingFixtures.EmbeddedData.Train.Slice(0, 1000);
        TrainingSettings settings = TrainingFixtures.Settings(epochs: 3); // 10 steps of 100 per epoch, 30 in all
        using var accelerator = new CpuAccelerator();

        ModelState expected;
        using (var whole = new Trainer(accelerator, Tiny, settings, train))
        {
            whole.Load(null);
            for (int epoch = 1; epoch <= settings.Epochs; epoch++) whole.RunEpoch(epoch);
            expected = whole.Model.Save();
        }

        // 20 stops at distinct random steps in 1..29; every segment goes through Checkpoint.Save/Load.
        var random = new System.Random(20261130);
        long[] stops = Enumerable.Range(1, 29).OrderBy(_ => random.Next()).Take(20).Order().Select(s => (long)s).ToArray();
        string path = _temp.File("checkpoint.bin");
        CheckpointData? saved = null;
        foreach (long stopAfter in stops.Append(long.MaxValue))
        {
            using var trainer = new Trainer(accelerator, Tiny, settings, train);
            trainer.Load(saved?.State);
            var control = new StopAtStep(trainer, stopAfter);
            int epoch = saved?.Partial?.Epoch ?? (saved?.Epoch ?? 0) + 1;
            PartialEpoch? partial = saved?.Partial;
            int completed = saved?.Epoch ?? 0;
            for (; epoch <= settings.Epochs; epoch++)
            {
                EpochResult result = trainer.RunEpoch(epoch, resumeFrom: partial, control: control);
                partial = null;
                if (result.Stopped is { } stopped)
                {
                    partial = stopped;
                    break;
                }
                completed = epoch;
            }
            Checkpoint.Save(path, new CheckpointData("{}", Tiny, settings.Seed, completed, trainer.Model.Save(), partial));
            saved = Checkpoint.Load(path);
            if (partial is null && completed == settings.Epochs) break;
        }

        Assert.Equal(expected.Step, saved!.Step);
        Assert.Equal(expected.Parameters, saved.Parameters);
        Assert.Equal(expected.AdamM, saved.AdamM);
        Assert.Equal(expected.AdamV, saved.AdamV);
    }


    private readonly record struct Usage(int Threads, int Descriptors, long ResidentBytes)
    {
        public static Usage Now()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var process = Process.GetCurrentProcess();
            int descriptors = Directory.Exists("/proc/self/fd") ? Directory.GetFiles("/proc/self/fd").Length : process.HandleCount;
            // The .NET thread pool grows and shrinks on its own schedule; what a leak would add are
            // dedicated threads (the CPU accelerator's workers, ILGPU's lane threads), so those are counted.
            return new Usage(process.Threads.Count - ThreadPool.ThreadCount, descriptors, process.WorkingSet64);
        }
    }
}
