using VaeGpu.Accelerators.Cpu;

namespace VaeGpu.Tests.Accelerators;

/// <summary>bench labels each CPU GEMM version by what it runs; on an AVX2 machine both use a 6×16 Vector256 tile.</summary>
[Trait("CpuPaths", "avx2")] // .ci/run runs this again with AVX-512 off, where the two tiles are the same
public sealed class CpuKernelDescriptionTests
{
    [Fact]
    public void The_two_gemm_versions_are_told_apart_by_more_than_their_number()
    {
        using var v1 = new CpuAccelerator(gemmVersion: 1);
        using var v2 = new CpuAccelerator(gemmVersion: 2);

        string Rest(string description) => description[description.IndexOf(',', StringComparison.Ordinal)..];

        Assert.StartsWith("gemm v1, ", v1.KernelDescription, StringComparison.Ordinal);
        Assert.StartsWith("gemm v2, ", v2.KernelDescription, StringComparison.Ordinal);
        Assert.NotEqual(Rest(v1.KernelDescription), Rest(v2.KernelDescription));
    }
}
