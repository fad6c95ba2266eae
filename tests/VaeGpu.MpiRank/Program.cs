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
// Usage: VaeGpu.MpiRank DEVICE EPOCHS IMAGES BATCH OUT
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: VaeGpu.MpiRank DEVICE EPOCHS IMAGES BATCH OUT");
    return 2;
}
using OpenMpi mpi = OpenMpi.Initialize();
int epochs = int.Parse(args[1]), images = int.Parse(args[2]), batch = int.Parse(args[3]);
TrainingSettings settings = DistributedTestRun.Settings(epochs, batch, mpi.Size);
(IAccelerator accelerator, _) = AcceleratorFactory.Create(DeviceRequest.Parse(args[0], "device"));
using (accelerator)
{
    RunResult result = DistributedTestRun.Train(accelerator, settings, EmbeddedFashionMnist.Load().Train.Slice(0, images), mpi);
    if (mpi.Rank == 0) result.Write(args[4]);
}
return 0;
