using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Selection;
using VaeGpu.Data;
using VaeGpu.Distributed;
using VaeGpu.MpiRank;
using VaeGpu.Kernels;
using VaeGpu.Model;
using VaeGpu.Training;

// One rank of a data-parallel run under mpirun, for DistributedTrainingTests: trains the test's small model on the
// first IMAGES embedded Fashion-MNIST images with Distributed:Shards = the world's size, rank r computing shard r of
// every batch (Trainer with the OpenMpi exchange). Rank 0 writes the final state and the epochs' losses to OUT
// (RunResult's format); the test compares them with one process training the same shards.
// Options after OUT: threads=T (a cpu accelerator of T threads per rank) and model=default (the default model; rank 0
// then prints the last epoch's samples/s: the timing runs of bench/RESULTS.md, 2 ranks of 1 thread against 1 of 2);
// stop=R@K: rank R alone asks for a stop once K steps are done, as a signal reaching one rank would (every rank must stop there).
// Usage: VaeGpu.MpiRank DEVICE EPOCHS IMAGES BATCH OUT [threads=T] [model=default] [stop=R@K]
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: VaeGpu.MpiRank DEVICE EPOCHS IMAGES BATCH OUT [threads=T] [model=default] [stop=R@K]");
    return 2;
}
Dictionary<string, string> options = args[5..].Select(option => option.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);
using OpenMpi mpi = OpenMpi.Initialize();
int epochs = int.Parse(args[1]), images = int.Parse(args[2]), batch = int.Parse(args[3]);
TrainingSettings settings = DistributedTestRun.Settings(epochs, batch, mpi.Size);
IAccelerator accelerator = options.TryGetValue("threads", out string? threads)
    ? new VaeGpu.Accelerators.Cpu.CpuAccelerator(threads: int.Parse(threads))
    : AcceleratorFactory.Create(DeviceRequest.Parse(args[0], "device")).Accelerator;
VaeArchitecture? architecture = options.GetValueOrDefault("model") == "default"
    ? new VaeArchitecture(784, [400], 20, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f))
    : null;
long stopAfter = options.TryGetValue("stop", out string? stop) && int.Parse(stop.Split('@')[0]) == mpi.Rank ? long.Parse(stop.Split('@')[1]) : 0;
ImageSet train = images <= 9000 ? EmbeddedFashionMnist.Load().Train.Slice(0, images) : throw new ArgumentException("at most 9000 images");
using (accelerator)
{
    RunResult result = DistributedTestRun.Train(accelerator, settings, train, mpi, architecture, stopAfter);
    if (mpi.Rank == 0)
    {
        result.Write(args[4]);
        if (architecture is not null) Console.WriteLine($"{mpi.Size} ranks × {threads} threads: {DistributedTestRun.SamplesPerSecond:F0} samples/s");
    }
}
return 0;
