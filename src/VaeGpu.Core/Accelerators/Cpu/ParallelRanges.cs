namespace VaeGpu.Accelerators.Cpu;

/// <summary>A piece of work over a range [start, end) of independent items (rows, parameters).</summary>
internal interface IRangeJob
{
    void Run(int start, int end);
}

/// <summary>
/// Runs an <see cref="IRangeJob"/> over contiguous chunks of its items on the accelerator's pool,
/// allocation-free (the job lives in a field, the chunk delegate is made once). Each item is
/// computed by one thread with the same arithmetic whatever the chunking, so results do not depend
/// on the thread count.
/// </summary>
internal sealed class ParallelRanges<TJob> where TJob : struct, IRangeJob
{
    private readonly CpuWorkers _workers;
    private readonly int _maxChunks;
    private readonly Action<int> _chunk;
    private TJob _job;
    private int _length, _chunkLength;

    /// <param name="maxChunks">At most this many chunks (a few per thread balances uneven chunks).</param>
    public ParallelRanges(CpuWorkers workers, int maxChunks)
    {
        _workers = workers;
        _maxChunks = Math.Max(1, maxChunks);
        _chunk = Chunk;
    }

    /// <summary>Runs <paramref name="job"/> over [0, length) in chunks of at least <paramref name="minChunk"/> items.</summary>
    public void Run(in TJob job, int length, int minChunk)
    {
        int chunks = Math.Clamp(length / Math.Max(1, minChunk), 1, _maxChunks);
        if (chunks == 1)
        {
            job.Run(0, length);
            return;
        }
        _job = job;
        _length = length;
        _chunkLength = (length + chunks - 1) / chunks;
        _workers.For((length + _chunkLength - 1) / _chunkLength, _chunk);
        _job = default;
    }

    private void Chunk(int chunk)
    {
        int start = chunk * _chunkLength;
        _job.Run(start, Math.Min(_length, start + _chunkLength));
    }
}
