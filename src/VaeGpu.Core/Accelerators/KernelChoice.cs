using VaeGpu.Kernels;

namespace VaeGpu.Accelerators;

/// <summary>The validated `Kernels` section: the ILGPU kernel versions and the CPU GEMM version.</summary>
public sealed record KernelChoice(KernelVersions Device, int CpuGemm)
{
    public static KernelChoice Default { get; } = new(KernelVersions.Default, Cpu.CpuAccelerator.LatestGemmVersion);
}
