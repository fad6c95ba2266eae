using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>Builds something for one register block type: what <see cref="KernelVersionMap.Block{TResult}"/> calls back.</summary>
public interface IBlockChoice<out TResult>
{
    TResult With<TBlock>() where TBlock : struct, IRegisterBlock;
}

/// <summary>Builds something for one GEMM tile type: what <see cref="KernelVersionMap.Tile{TResult}"/> calls back.</summary>
public interface ITileChoice<out TResult>
{
    TResult With<TTile>() where TTile : struct, IGemmTile;
}

/// <summary>
/// The one place where a kernel version becomes type arguments: the launchers (<see cref="KernelLaunchers"/>)
/// and the offline catalog (<see cref="KernelCatalog"/>) both ask here, so a new GEMM version is one
/// line in <see cref="Block{TResult}"/> (and its register block type). Callbacks rather than
/// <c>MakeGenericType</c>, so that a launcher's constructor is checked by the compiler.
/// </summary>
public static class KernelVersionMap
{
    /// <summary>GEMM versions of the Linear and Elbo families: 1 = <see cref="Block4x4"/>, 2 = <see cref="Block8x8"/>.</summary>
    public static TResult Block<TResult>(int version, string family, IBlockChoice<TResult> choice) => version switch
    {
        1 => choice.With<Block4x4>(),
        2 => choice.With<Block8x8>(),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, $"{family} is 1 or 2"),
    };

    /// <summary>Step versions: 1 = op by op, 2 = fused (<see cref="KernelVersions"/>).</summary>
    public static bool FusedStep(int version) => version switch
    {
        1 => false,
        2 => true,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Kernels:Step is 1 or 2"),
    };

    /// <summary>The tile that fits the accelerator: <see cref="CpuTile"/> on ILGPU's CPU accelerator (16 lanes per group at most), else <see cref="GpuTile"/>.</summary>
    public static TResult Tile<TResult>(AcceleratorType accelerator, ITileChoice<TResult> choice) =>
        accelerator == AcceleratorType.CPU ? choice.With<CpuTile>() : choice.With<GpuTile>();

    /// <summary>"4×4": the outputs per thread of a GEMM version.</summary>
    public static int BlockSize(int version) => Block(version, "a GEMM version", new SizeOf());

    private sealed class SizeOf : IBlockChoice<int>
    {
        public int With<TBlock>() where TBlock : struct, IRegisterBlock => default(TBlock).Size;
    }
}
