using System.Runtime.Intrinsics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// SumShards over a range of elements: the shards added left to right in shard order, as kernels/Ops/ShardSum.cs
/// does one element at a time; a lane's adds are a scalar's, so every width and thread count gives the same bits.
/// </summary>
internal readonly unsafe struct ShardSumRange(float* shards, float* sum, int length, int count) : IRangeJob
{
    /// <summary>Fewer elements than this per task cost more in scheduling than they save (a memory-bound pass, as Adam's).</summary>
    public const int MinChunk = 16384;

    public void Run(int start, int end)
    {
        int i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= end; i += Vector512<float>.Count)
            {
                Vector512<float> total = Vector512.Load(shards + i);
                for (int shard = 1; shard < count; shard++) total += Vector512.Load(shards + (nint)shard * length + i);
                total.Store(sum + i);
            }
        }
        for (; i + Vector256<float>.Count <= end; i += Vector256<float>.Count)
        {
            Vector256<float> total = Vector256.Load(shards + i);
            for (int shard = 1; shard < count; shard++) total += Vector256.Load(shards + (nint)shard * length + i);
            total.Store(sum + i);
        }
        for (; i < end; i++)
        {
            float total = shards[i];
            for (int shard = 1; shard < count; shard++) total += shards[(nint)shard * length + i];
            sum[i] = total;
        }
    }
}
