namespace VaeGpu.Kernels;

/// <summary>
/// Kernel launches issued through one <see cref="KernelLaunchers"/>: what `bench` divides by the steps to
/// report launches per step (a CUDA graph replays the same launches as one graph launch).
/// </summary>
public sealed class LaunchCounter
{
    public long Count { get; private set; }

    /// <summary>Counts one launch; the launchers call it right before each kernel.</summary>
    public void Add() => Count++;
}
