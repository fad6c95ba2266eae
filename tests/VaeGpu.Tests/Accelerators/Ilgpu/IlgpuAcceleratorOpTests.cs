using VaeGpu.Accelerators.Ilgpu;
using VaeGpu.Accelerators;
using VaeGpu.Configuration;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators.Ilgpu;

/// <summary>
/// Every op of the ILGPU kernels against the float64 reference (the shared suite), on ILGPU's CPU
/// accelerator: the very kernels that CUDA runs, executed as .NET code. It runs one OS thread per
/// lane, so the suite's largest shapes take most of its time here.
/// </summary>
public sealed class IlgpuCpuAcceleratorOpTests : AcceleratorOpTests
{
    private static readonly Lazy<IAccelerator> Shared = new(() => IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu));

    protected override IAccelerator CreateAccelerator() => Shared.Value;

    protected override bool OwnsAccelerator => false;
}

/// <summary>
/// The suite on ilgpu-cpu with version 2 of every kernel family: the GEMMs' 8×8 outputs per thread and the
/// fused step (LinearBackward as one grouped launch, FinishStep as one).
/// </summary>
public sealed class IlgpuCpuVersion2AcceleratorOpTests : AcceleratorOpTests
{
    private static readonly Lazy<IAccelerator> Shared = new(() => IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu, new KernelVersions(2, 2, 2)));

    protected override IAccelerator CreateAccelerator() => Shared.Value;

    protected override bool OwnsAccelerator => false;
}

/// <summary>The same suite on CUDA device 0; skips visibly without one.</summary>
[RequiresDevice(DeviceKind.Cuda)]
public sealed class CudaAcceleratorOpTests : AcceleratorOpTests
{
    private static readonly Lazy<IAccelerator> Shared = new(() => IlgpuTestDevice.Create(IlgpuTestDevice.Cuda));

    protected override IAccelerator CreateAccelerator() => Shared.Value;

    protected override bool OwnsAccelerator => false;

    protected override string? SkipReason => IlgpuTestDevice.SkipReason(IlgpuTestDevice.Cuda);
}

/// <summary>Version 2 of every kernel family (8×8 GEMMs, the fused step) on CUDA device 0; skips visibly without one.</summary>
[RequiresDevice(DeviceKind.Cuda)]
public sealed class CudaVersion2AcceleratorOpTests : AcceleratorOpTests
{
    private static readonly Lazy<IAccelerator> Shared = new(() => IlgpuTestDevice.Create(IlgpuTestDevice.Cuda, new KernelVersions(2, 2, 2)));

    protected override IAccelerator CreateAccelerator() => Shared.Value;

    protected override bool OwnsAccelerator => false;

    protected override string? SkipReason => IlgpuTestDevice.SkipReason(IlgpuTestDevice.Cuda);
}

/// <summary>
/// The same suite on the OpenCL device of <see cref="IlgpuTestDevice.OpenCl"/> (the first usable OpenCL GPU,
/// or PoCL 6's CPU device in CI) with the GPU launch geometry; skips visibly without one.
/// </summary>
[RequiresDevice(DeviceKind.OpenCl)]
public sealed class OpenClAcceleratorOpTests : AcceleratorOpTests
{
    private static readonly Lazy<IAccelerator> Shared = new(() => IlgpuTestDevice.Create(IlgpuTestDevice.OpenCl));

    protected override IAccelerator CreateAccelerator() => Shared.Value;

    protected override bool OwnsAccelerator => false;

    protected override string? SkipReason => IlgpuTestDevice.SkipReason(IlgpuTestDevice.OpenCl);

    /// <summary>An OpenCL device gets the GPU tile (16×16 threads), not the 4×4 one of ilgpu-cpu, even on PoCL's CPU device.</summary>
    [SuiteFact]
    public void The_suite_runs_the_gpu_launch_geometry() =>
        Assert.Contains("linear v1 (64×64×16 tiles", ((IlgpuAccelerator)Accelerator).KernelDescription, StringComparison.Ordinal);
}

/// <summary>Version 2 of every kernel family (8×8 GEMMs, the fused step) on the OpenCL test device; skips visibly without one.</summary>
[RequiresDevice(DeviceKind.OpenCl)]
public sealed class OpenClVersion2AcceleratorOpTests : AcceleratorOpTests
{
    private static readonly Lazy<IAccelerator> Shared = new(() => IlgpuTestDevice.Create(IlgpuTestDevice.OpenCl, new KernelVersions(2, 2, 2)));

    protected override IAccelerator CreateAccelerator() => Shared.Value;

    protected override bool OwnsAccelerator => false;

    protected override string? SkipReason => IlgpuTestDevice.SkipReason(IlgpuTestDevice.OpenCl);

    [SuiteFact]
    public void The_suite_runs_the_gpu_launch_geometry() =>
        Assert.Contains("linear v2 (128×128×16 tiles", ((IlgpuAccelerator)Accelerator).KernelDescription, StringComparison.Ordinal);
}

/// <summary>200 training steps of the default model on CUDA against the CPU accelerator; skips visibly without a GPU.</summary>
public sealed class CudaTrainingTests : CrossAcceleratorTrainingTests
{
    protected override IAccelerator CreateAccelerator() => IlgpuTestDevice.Create(IlgpuTestDevice.Cuda);

    protected override string? SkipReason => IlgpuTestDevice.SkipReason(IlgpuTestDevice.Cuda);
}

/// <summary>200 training steps on an OpenCL GPU that ILGPU can use; skips visibly without one.</summary>
public sealed class OpenClTrainingTests : CrossAcceleratorTrainingTests
{
    protected override IAccelerator CreateAccelerator() => IlgpuTestDevice.Create(IlgpuTestDevice.OpenCl);

    protected override string? SkipReason => IlgpuTestDevice.SkipReason(IlgpuTestDevice.OpenCl);
}
