using VaeGpu.Accelerators.Cpu;
using VaeGpu.Accelerators.OpenCl;
using VaeGpu.Configuration;

namespace VaeGpu.Accelerators;

/// <summary>
/// Turns a --device request into an accelerator. "auto" prefers CUDA, then OpenCL on a GPU, then
/// the CPU; a device asked for by name that cannot be had is an error, never a silent fallback.
/// </summary>
public static class AcceleratorFactory
{
    /// <summary>Why CUDA cannot be picked in this build; it arrives with a later issue.</summary>
    public const string CudaMissing = "the CUDA accelerator is not in this build yet";

    /// <returns>The accelerator and, for "auto", one line on why it was picked.</returns>
    public static (IAccelerator Accelerator, string Choice) Create(DeviceRequest request) => request.Kind switch
    {
        DeviceKind.Cpu => (new CpuAccelerator(), "cpu, as asked"),
        DeviceKind.Auto => Auto(OpenClDevices.Discovery),
        DeviceKind.OpenCl => OpenCl(request),
        DeviceKind.Cuda => throw new ConfigException("Device", request.ToString(), $"{CudaMissing}; use --device cpu or auto"),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, null),
    };

    /// <summary>
    /// "auto": the first usable OpenCL GPU, else the CPU (CUDA comes later). PoCL and other
    /// CPU OpenCL devices are never picked: the CPU accelerator is faster on the same cores.
    /// </summary>
    internal static (IAccelerator Accelerator, string Choice) Auto(OpenClDiscovery openCl)
    {
        string reason;
        if (openCl.LoaderProblem is { } problem)
            reason = problem;
        else if (openCl.Devices.FirstOrDefault(d => d.IsUsable && d.IsGpu) is { } gpu)
        {
            var accelerator = new OpenClAccelerator(gpu);
            return (accelerator, $"auto picked {accelerator.Name}: the first usable OpenCL GPU ({gpu.Request}); {CudaMissing}");
        }
        else
            reason = openCl.Devices.Count == 0 ? "no OpenCL device found"
                : "no usable OpenCL GPU (" + string.Join("; ", openCl.Devices.Select(d =>
                    $"{d}: {d.UnusableReason ?? (d.IsGpu ? "usable" : "not a GPU")}")) + ")";
        return (new CpuAccelerator(), $"auto picked cpu: {reason}; {CudaMissing}");
    }

    private static (IAccelerator Accelerator, string Choice) OpenCl(DeviceRequest request)
    {
        var accelerator = new OpenClAccelerator(OpenClDevices.Select(request));
        return (accelerator, $"{accelerator.Name}, as asked");
    }
}
