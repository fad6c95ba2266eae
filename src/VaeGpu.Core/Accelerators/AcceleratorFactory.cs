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
    /// <summary>Why the device accelerators cannot be picked in this build; they arrive with later issues.</summary>
    public const string OpenClMissing = "the OpenCL accelerator is not in this build yet";
    public const string CudaMissing = "the CUDA accelerator is not in this build yet";

    /// <returns>The accelerator and, for "auto", one line on why it was picked.</returns>
    public static (IAccelerator Accelerator, string Choice) Create(DeviceRequest request) => request.Kind switch
    {
        DeviceKind.Cpu => (new CpuAccelerator(), "cpu, as asked"),
        DeviceKind.Auto => Auto(OpenClAccelerator.ImplementsOps ? OpenClDevices.Discovery : null),
        DeviceKind.OpenCl => OpenCl(request),
        DeviceKind.Cuda => throw new ConfigException("Device", request.ToString(), $"{CudaMissing}; use --device cpu or auto"),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, null),
    };

    /// <summary>
    /// "auto": the first usable OpenCL GPU, else the CPU (CUDA comes later). <paramref name="openCl"/>
    /// is null when the OpenCL accelerator is not in this build.
    /// </summary>
    internal static (IAccelerator Accelerator, string Choice) Auto(OpenClDiscovery? openCl)
    {
        string reason;
        if (openCl is null)
            reason = OpenClMissing;
        else if (openCl.LoaderProblem is { } problem)
            reason = problem;
        else if (openCl.Devices.FirstOrDefault(d => d.IsUsable && d.IsGpu) is { } gpu)
        {
            var accelerator = new OpenClAccelerator(gpu);
            return (AsAccelerator(accelerator), $"auto picked {accelerator.Name}: the first usable OpenCL GPU ({gpu.Request}); {CudaMissing}");
        }
        else
            reason = openCl.Devices.Count == 0 ? "no OpenCL device found"
                : "no usable OpenCL GPU (" + string.Join("; ", openCl.Devices.Select(d =>
                    $"{d}: {d.UnusableReason ?? (d.IsGpu ? "usable" : "not a GPU")}")) + ")";
        return (new CpuAccelerator(), $"auto picked cpu: {reason}; {CudaMissing}");
    }

    private static (IAccelerator Accelerator, string Choice) OpenCl(DeviceRequest request)
    {
        OpenClDeviceInfo device = OpenClDevices.Select(request);
        if (!OpenClAccelerator.ImplementsOps)
            throw new ConfigException("Device", request.ToString(), $"{OpenClMissing}; use --device cpu or auto");
        var accelerator = new OpenClAccelerator(device);
        return (AsAccelerator(accelerator), $"{accelerator.Name}, as asked");
    }

    // Wired once OpenClAccelerator implements IAccelerator (its ops arrive in a separate partial file):
    // until then ImplementsOps is false and no caller gets here. The cast through object compiles both
    // before and after; replace it with the plain conversion once the ops are merged.
    private static IAccelerator AsAccelerator(OpenClAccelerator accelerator) => (IAccelerator)(object)accelerator;
}
