using VaeGpu.Accelerators.Cpu;
using VaeGpu.Accelerators.Cuda;
using VaeGpu.Accelerators.OpenCl;
using VaeGpu.Configuration;

namespace VaeGpu.Accelerators;

/// <summary>
/// Turns a --device request into an accelerator. "auto" prefers CUDA, then OpenCL on a GPU, then
/// the CPU; a device asked for by name that cannot be had is an error, never a silent fallback.
/// </summary>
public static class AcceleratorFactory
{
    /// <returns>The accelerator and, for "auto", one line on why it was picked.</returns>
    public static (IAccelerator Accelerator, string Choice) Create(DeviceRequest request) => request.Kind switch
    {
        DeviceKind.Cpu => (new CpuAccelerator(), "cpu, as asked"),
        DeviceKind.Auto => Auto(CudaDevices.Discovery, OpenClDevices.Discovery),
        DeviceKind.OpenCl => OpenCl(request),
        DeviceKind.Cuda => Cuda(request),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, null),
    };

    /// <summary>
    /// "auto": CUDA device 0 when CUDA is usable, else the first usable OpenCL GPU, else the CPU.
    /// PoCL and other CPU OpenCL devices are never picked: the CPU accelerator is faster on the same
    /// cores. The choice line says why each better option was passed over.
    /// </summary>
    internal static (IAccelerator Accelerator, string Choice) Auto(CudaDiscovery cuda, OpenClDiscovery openCl)
    {
        string cudaReason;
        if (cuda.IsUsable)
        {
            CudaDeviceInfo device = cuda.Devices[0];
            try
            {
                var accelerator = new CudaAccelerator(device, nvrtc: cuda.Nvrtc.Nvrtc);
                return (accelerator, $"auto picked {accelerator.Name}: the first CUDA device ({device.Request}), kernels by {cuda.Nvrtc.Nvrtc}");
            }
            catch (CudaException error)
            {
                cudaReason = $"{device.Request} failed to start ({error.Message})";
            }
        }
        else
            cudaReason = cuda.Problem ?? "not usable";
        string no = $"no CUDA: {cudaReason}";

        string reason;
        if (openCl.LoaderProblem is { } problem)
            reason = problem;
        else if (openCl.Devices.FirstOrDefault(d => d.IsUsable && d.IsGpu) is { } gpu)
        {
            var accelerator = new OpenClAccelerator(gpu);
            return (accelerator, $"auto picked {accelerator.Name}: the first usable OpenCL GPU ({gpu.Request}); {no}");
        }
        else
            reason = openCl.Devices.Count == 0 ? "no OpenCL device found"
                : "no usable OpenCL GPU (" + string.Join("; ", openCl.Devices.Select(d =>
                    $"{d}: {d.UnusableReason ?? (d.IsGpu ? "usable" : "not a GPU")}")) + ")";
        return (new CpuAccelerator(), $"auto picked cpu: {reason}; {no}");
    }

    private static (IAccelerator Accelerator, string Choice) OpenCl(DeviceRequest request)
    {
        var accelerator = new OpenClAccelerator(OpenClDevices.Select(request));
        return (accelerator, $"{accelerator.Name}, as asked");
    }

    private static (IAccelerator Accelerator, string Choice) Cuda(DeviceRequest request)
    {
        CudaDiscovery discovery = CudaDevices.Discovery;
        CudaDeviceInfo device = CudaDevices.Select(request, discovery);
        var accelerator = new CudaAccelerator(device, nvrtc: discovery.Nvrtc.Nvrtc);
        return (accelerator, $"{accelerator.Name}, as asked");
    }
}
