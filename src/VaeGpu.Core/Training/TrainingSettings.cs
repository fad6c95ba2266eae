using VaeGpu.Accelerators;

namespace VaeGpu.Training;

/// <summary>How to train: validated values, ready for the trainer.</summary>
/// <param name="ReportEvery">Steps between loss read-backs (progress and the NaN/Inf check).</param>
public sealed record TrainingSettings(
    int Epochs,
    int BatchSize,
    ulong Seed,
    KlWeight KlWeight,
    AdamSettings Adam,
    int ReportEvery = 20)
{
    /// <summary>Where the accelerator can capture ops (CUDA), replay one captured graph per step.</summary>
    public bool CaptureSteps { get; init; } = true;

    /// <summary>
    /// Distributed:Shards: each batch is cut into this many shards of BatchSize / Shards rows, each shard's gradient is
    /// computed on its own and the step's gradient is their sum in shard order (<see cref="IAccelerator.SumShards"/>),
    /// as N data-parallel processes compute it. 1 (the default) is the plain step.
    /// </summary>
    public int Shards { get; init; } = 1;

    /// <summary>A full shard's rows.</summary>
    public int ShardRows => BatchSize / Shards;
}
