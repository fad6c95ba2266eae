using VaeGpu.Accelerators.Cpu;
using VaeGpu.Accelerators.Ilgpu;

namespace VaeGpu.Accelerators.Selection;

/// <summary>
/// Turns a --device request into an accelerator. "auto" prefers CUDA, then OpenCL on a GPU, then
/// the managed CPU accelerator; a device asked for by name that cannot be had is an error, never a
/// silent fallback. ILGPU's CPU accelerator ("ilgpu-cpu") is only ever used when asked for.
/// </summary>
public static class AcceleratorFactory
{
    /// <returns>The accelerator and one line on why it was picked.</returns>
    public static (IAccelerator Accelerator, string Choice) Create(DeviceRequest request, KernelChoice? kernels = null)
    {
        kernels ??= KernelChoice.Default;
        if (request.Kind == DeviceKind.Cpu) return (new CpuAccelerator(gemmVersion: kernels.CpuGemm), "cpu, as asked");
        if (request.Kind == DeviceKind.Auto) return Auto(IlgpuDevices.Discovery, kernels);
        IlgpuAccelerator accelerator = IlgpuDevices.Create(request, IlgpuDevices.Discovery, kernels.Device);
        return (accelerator, "as asked");
    }

    /// <summary>
    /// "auto": the first CUDA device when there is one, else the first usable OpenCL GPU, else the CPU.
    /// CPU OpenCL devices (PoCL) and ilgpu-cpu are never picked: the managed CPU accelerator is faster
    /// on the same cores. The choice line says why each better option was passed over.
    /// </summary>
    internal static (IAccelerator Accelerator, string Choice) Auto(IlgpuDiscovery discovery, KernelChoice kernels)
    {
        var passedOver = new List<string>();
        foreach (DeviceRequest candidate in new[] { new DeviceRequest(DeviceKind.Cuda), new DeviceRequest(DeviceKind.OpenCl) })
        {
            try
            {
                IlgpuAccelerator accelerator = IlgpuDevices.Create(candidate, discovery, kernels.Device, openClGpusOnly: true);
                string skipped = passedOver.Count == 0 ? "" : $" ({string.Join("; ", passedOver)})";
                return (accelerator, $"auto picked {accelerator.Name}{skipped}");
            }
            catch (DeviceUnavailableException error)
            {
                passedOver.Add(error.Message);
            }
        }
        return (new CpuAccelerator(gemmVersion: kernels.CpuGemm), $"auto picked cpu: {string.Join("; ", passedOver)}");
    }
}
