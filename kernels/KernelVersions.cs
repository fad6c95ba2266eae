namespace VaeGpu.Kernels;

/// <summary>
/// Which numbered version of each GEMM kernel family an ILGPU accelerator loads (the `Kernels`
/// configuration section), as llm.c numbers its kernels. Every version of a family gives the same
/// bits; they differ in speed only.
/// Linear / Elbo: 1 = 4×4 outputs per thread (<see cref="Block4x4"/>), 2 = 8×8 (<see cref="Block8x8"/>).
/// </summary>
public readonly record struct KernelVersions(int Linear = KernelVersions.DefaultLinear, int Elbo = KernelVersions.DefaultElbo)
{
    public const int LatestLinear = 2;
    public const int LatestElbo = 2;

    /// <summary>
    /// Version 1 stays the default until a GPU run of `bench --kernels` measures the winner: version 2
    /// quarters the shared-memory loads per FMA but gives a batch of 128 four times fewer groups.
    /// </summary>
    public const int DefaultLinear = 1;
    public const int DefaultElbo = 1;

    public static KernelVersions Default => new(DefaultLinear, DefaultElbo);

    public override string ToString() => $"linear v{Linear}, elbo v{Elbo}";
}
