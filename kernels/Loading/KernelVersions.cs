namespace VaeGpu.Kernels;

/// <summary>
/// Which numbered version of each GEMM kernel family an ILGPU accelerator loads (the `Kernels`
/// configuration section), as llm.c numbers its kernels. Every version of a family gives the same
/// bits; they differ in speed only.
/// Linear / Elbo / Conv: 1 = 4×4 outputs per thread (<see cref="Block4x4"/>), 2 = 8×8 (<see cref="Block8x8"/>).
/// Step: how a training step is cut into launches. 1 = op by op (24 launches for the default model);
/// 2 = fused: the gather with the first layer (<see cref="GatherLinearKernels"/>), the head GEMM with the
/// reparameterization (<see cref="HeadSampleKernels"/>), LinearBackward (<see cref="LinearGroupedKernels"/>)
/// and the loss-log sums with both counters (<see cref="ReduceKernels.FinishStep{TTile}"/>) as one launch
/// each: 12 launches, same bits.
/// </summary>
public readonly record struct KernelVersions(
    int Linear = KernelVersions.DefaultLinear, int Elbo = KernelVersions.DefaultElbo, int Step = KernelVersions.DefaultStep,
    int Conv = KernelVersions.DefaultConv)
{
    public const int LatestLinear = 2;
    public const int LatestElbo = 2;
    public const int LatestStep = 2;

    /// <summary>The implicit-GEMM convolutions (<see cref="ConvKernels"/>): the GEMM versions' register blocks.</summary>
    public const int LatestConv = 2;

    /// <summary>
    /// Version 1 stays the default until a GPU run of `bench --kernels` measures the winner: version 2
    /// quarters the shared-memory loads per FMA but gives a batch of 128 four times fewer groups.
    /// </summary>
    public const int DefaultLinear = 1;
    public const int DefaultElbo = 1;
    public const int DefaultConv = 1;

    /// <summary>Op by op until a GPU measures whether the fused step's fewer launches win over its less specialised GEMM loads.</summary>
    public const int DefaultStep = 1;

    public static KernelVersions Default => new(DefaultLinear, DefaultElbo, DefaultStep, DefaultConv);

    public override string ToString() => $"linear v{Linear}, elbo v{Elbo}, step v{Step}, conv v{Conv}";
}
