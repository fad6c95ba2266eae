namespace VaeGpu.Distributed;

/// <summary>
/// What the ranks of a data-parallel run exchange (issue 23): every rank's shard of a step (its gradients, its loss
/// sums) gathered on every rank, rank after rank, so that each rank can add the shards in shard order itself and no
/// engine's reduction order enters the result. Rank r computes shard r of each batch.
/// </summary>
public interface IShardExchange
{
    int Rank { get; }

    int Ranks { get; }

    /// <summary>all = every rank's <paramref name="mine"/>, in rank order; every rank must call it with the same length.</summary>
    void AllGather(ReadOnlySpan<float> mine, Span<float> all);
}
