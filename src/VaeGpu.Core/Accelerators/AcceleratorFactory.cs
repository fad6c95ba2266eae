using VaeGpu.Accelerators.Cpu;
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
        DeviceKind.Auto => (new CpuAccelerator(), $"auto picked cpu: no CUDA or OpenCL accelerator in this build"),
        DeviceKind.OpenCl => throw new ConfigException("Device", request.ToString(), $"{OpenClMissing}; use --device cpu or auto"),
        DeviceKind.Cuda => throw new ConfigException("Device", request.ToString(), $"{CudaMissing}; use --device cpu or auto"),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, null),
    };
}
