namespace VaeGpu.Accelerators;

/// <summary>logvar is clamped to [Min, Max] before use; outside that range its gradient is zero.</summary>
public readonly record struct LogVarClamp(float Min, float Max)
{
    public float Apply(float logVar) => Kernels.ReparameterizeMath.ClampLogVar(logVar, Min, Max);

    public bool Passes(float logVar) => Kernels.ReparameterizeMath.InsideClamp(logVar, Min, Max);
}

/// <summary>
/// Where the reparameterization noise comes from: Philox4x32-10 with key = <paramref name="Seed"/> and
/// counter = (element / 4, step, <paramref name="Stream"/>, 0), the step being read from the device
/// counter buffer so that a captured step (a CUDA graph) stays valid from step to step.
/// <paramref name="Temperature"/> scales the noise: 1 for training, 0 for the posterior mean.
/// <paramref name="FirstRow"/> is the global row of the op's row 0: element = (FirstRow + row)·latent + j, so that a
/// shard of a batch (Distributed:Shards) draws the noise its rows would draw in the whole batch.
/// </summary>
public readonly record struct NoiseSource(ulong Seed, uint Stream, float Temperature = 1f, int FirstRow = 0)
{
    /// <summary>The same noise for the rows of a shard that starts at global row <paramref name="firstRow"/>.</summary>
    public NoiseSource AtRow(int firstRow) => this with { FirstRow = firstRow };

    /// <summary>The kernels' form of it, with the reparameterization's clamp.</summary>
    public Kernels.SampleSettings Settings(LogVarClamp clamp, int latent) =>
        Kernels.SampleSettings.Of(clamp.Min, clamp.Max, Seed, Stream, Temperature, checked((uint)FirstRow * (uint)latent));
}

/// <summary>
/// The KL weight β, optionally warmed up linearly: β(step) = β · min(1, (step + 1) / WarmupSteps),
/// step counted from 0. A pure function of the step, so devices evaluate it themselves, in float
/// arithmetic exactly as written here.
/// </summary>
public readonly record struct KlWeight(float Beta, int WarmupSteps)
{
    public float At(long step) => Kernels.ReparameterizeMath.KlWeight(Beta, WarmupSteps, step);
}

/// <summary>Adam hyper-parameters (Kingma and Ba 2015), in PyTorch's formulation.</summary>
public readonly record struct AdamSettings(float LearningRate, float Beta1, float Beta2, float Epsilon);
