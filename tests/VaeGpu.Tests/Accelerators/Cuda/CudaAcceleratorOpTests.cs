using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cuda;

namespace VaeGpu.Tests.Accelerators.Cuda;

/// <summary>Every op on CUDA against the float64 reference (the shared suite), skipped visibly without CUDA.</summary>
public sealed class CudaAcceleratorOpTests : AcceleratorOpTests
{
    protected override IAccelerator CreateAccelerator() => CudaTestDevice.Create();

    protected override string? SkipReason => CudaTestDevice.SkipReasonOrNull;

    /// <summary>As on OpenCL: the device's log/sin/cos may differ from .NET's by a few ulps; the raw Philox words may not.</summary>
    protected override double NoiseTolerance => 16 * Eps32;
}

/// <summary>The raw Philox stream on CUDA, bit for bit against the CPU.</summary>
public sealed class CudaPhiloxTests : KernelPhiloxTests
{
    protected override KernelAccelerator CreateAccelerator() => CudaTestDevice.Create();

    protected override string? SkipReason => CudaTestDevice.SkipReasonOrNull;
}

/// <summary>200 training steps on CUDA against the CPU accelerator.</summary>
public sealed class CudaTrainingTests : CrossAcceleratorTrainingTests
{
    protected override IAccelerator CreateAccelerator() => CudaTestDevice.Create();

    protected override string? SkipReason => CudaTestDevice.SkipReasonOrNull;
}
