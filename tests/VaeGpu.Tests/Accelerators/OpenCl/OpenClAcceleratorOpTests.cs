using VaeGpu.Accelerators;
using VaeGpu.Accelerators.OpenCl;

namespace VaeGpu.Tests.Accelerators.OpenCl;

/// <summary>Every op on OpenCL against the float64 reference (the shared suite), skipped visibly without a device.</summary>
public sealed class OpenClAcceleratorOpTests : AcceleratorOpTests
{
    protected override IAccelerator CreateAccelerator() => OpenClTestDevice.Create();

    protected override string? SkipReason => OpenClTestDevice.SkipReasonOrNull;

    /// <summary>
    /// OpenCL's log, sin and cos may round differently from .NET's (the spec allows a few ulps), so
    /// the normals may differ by a few ulps of their size; the raw Philox words may not (see below).
    /// </summary>
    protected override double NoiseTolerance => 16 * Eps32;
}

/// <summary>The raw Philox stream on OpenCL, bit for bit against the CPU.</summary>
public sealed class OpenClPhiloxTests : KernelPhiloxTests
{
    protected override KernelAccelerator CreateAccelerator() => OpenClTestDevice.Create();

    protected override string? SkipReason => OpenClTestDevice.SkipReasonOrNull;
}

/// <summary>200 training steps on OpenCL against the CPU accelerator.</summary>
public sealed class OpenClTrainingTests : CrossAcceleratorTrainingTests
{
    protected override IAccelerator CreateAccelerator() => OpenClTestDevice.Create();

    protected override string? SkipReason => OpenClTestDevice.SkipReasonOrNull;
}
