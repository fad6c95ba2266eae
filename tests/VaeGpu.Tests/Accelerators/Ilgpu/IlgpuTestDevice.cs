using VaeGpu.Accelerators.Ilgpu;
using VaeGpu.Configuration;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators.Ilgpu;

/// <summary>
/// The ILGPU device a test suite runs on, or the visible reason it skips: ilgpu-cpu is always there;
/// cuda and opencl need a device that ILGPU can use (a GPU machine; PoCL lacks OpenCL 2.0's generic
/// address space).
/// </summary>
internal static class IlgpuTestDevice
{
    public static readonly DeviceRequest Cuda = new(DeviceKind.Cuda);
    public static readonly DeviceRequest OpenCl = new(DeviceKind.OpenCl);
    public static readonly DeviceRequest IlgpuCpu = new(DeviceKind.IlgpuCpu);

    /// <summary>Why <paramref name="request"/> cannot run here, or null.</summary>
    public static string? SkipReason(DeviceRequest request)
    {
        try
        {
            IlgpuDevices.Select(request, IlgpuDevices.Discovery);
            return null;
        }
        catch (DeviceUnavailableException error)
        {
            return $"no {request} here: {error.Message}";
        }
    }

    public static IlgpuAccelerator Create(DeviceRequest request, KernelVersions? versions = null) =>
        IlgpuDevices.Create(request, IlgpuDevices.Discovery, versions);
}
