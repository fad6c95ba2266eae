using VaeGpu.Accelerators.Cuda;

namespace VaeGpu.Tests.Accelerators.Cuda;

/// <summary>CUDA device 0 here, or a visible reason why the CUDA device tests skip (no libcuda.so.1, no device, no NVRTC).</summary>
internal static class CudaTestDevice
{
    public static CudaDeviceInfo? Device { get; } = CudaDevices.Discovery.IsUsable ? CudaDevices.Discovery.Devices[0] : null;

    public static string SkipReason => $"no CUDA here: {CudaDevices.Discovery.Problem ?? "not usable"}";

    /// <summary>Why the device tests skip, or null when a usable device exists.</summary>
    public static string? SkipReasonOrNull => Device is null ? SkipReason : null;

    /// <summary>An accelerator on the test device (skips the calling test when there is none).</summary>
    public static CudaAccelerator Create() => new(Require());

    /// <summary>Skips the calling test when there is no usable device.</summary>
    public static CudaDeviceInfo Require()
    {
        Assert.SkipUnless(Device is not null, SkipReason);
        return Device!;
    }

    /// <summary>NVRTC alone (no driver needed to compile), or a visible skip.</summary>
    public static Nvrtc RequireNvrtc()
    {
        NvrtcLoad load = Nvrtc.Shared;
        Assert.SkipUnless(load.Nvrtc is not null, $"no NVRTC here: {load.Problem}");
        return load.Nvrtc!;
    }

    /// <summary>A fabricated device (never touches a driver).</summary>
    public static CudaDeviceInfo Fake(int major = 9, int minor = 0) => new(0, 0, "NVIDIA Fake", major, minor, 132, 80UL << 30, 1024);
}
