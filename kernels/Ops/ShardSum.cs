using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// The gradient of a data-parallel step (version 1): sum[i] = ((shards[0][i] + shards[1][i]) + shards[2][i]) + …,
/// shards [count × length] laid out shard after shard, added left to right in shard order in float, one thread per
/// element. The order is the contract (Distributed:Shards): it is what makes N ranks and one process with N shards
/// agree bit for bit, whatever order an engine's allreduce would have used, so the shards are gathered and summed here
/// rather than reduced by the engine.
/// CPU twin: VaeGpu.Accelerators.Cpu.ShardSumRange (the same adds in the same order, 16 or 8 lanes at a time).
/// </summary>
public static class ShardSumKernels
{
    public static void Sum(Index1D i, ArrayView<float> shards, ArrayView<float> sum, int length, int count)
    {
        float total = shards[i];
        for (int shard = 1; shard < count; shard++) total += shards[(long)shard * length + i];
        sum[i] = total;
    }
}

/// <summary>Loads the shard-sum kernel once per accelerator and launches it on a stream.</summary>
public sealed class ShardSumLauncher(Accelerator accelerator, LaunchCounter launches)
{
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int> _sum =
        accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(ShardSumKernels.Sum);

    public void Sum(AcceleratorStream stream, ArrayView<float> shards, ArrayView<float> sum, int count)
    {
        if (sum.Length == 0) return;
        launches.Add();
        _sum(stream, (int)sum.Length, shards, sum, (int)sum.Length, count);
    }
}
