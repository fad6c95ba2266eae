using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Ilgpu;
using VaeGpu.Configuration;

namespace VaeGpu.Cli.Devices;

/// <summary>One line of the device report.</summary>
/// <param name="Name">The --device value that selects it: cpu, opencl:P:D, cuda.</param>
/// <param name="Usable">Whether --device can pick it in this build.</param>
public sealed record DeviceStatus(string Name, bool Usable, string Details);

/// <summary>
/// What this machine offers: the managed CPU accelerator, then every ILGPU device (CUDA, every
/// OpenCL device, ILGPU's CPU accelerator), usable or why not, or one line per missing runtime.
/// </summary>
public static class DeviceProbe
{
    public static IReadOnlyList<DeviceStatus> Probe() => [Cpu(), .. Ilgpu(IlgpuDevices.Discovery)];

    public static IReadOnlyList<DeviceStatus> Ilgpu(IlgpuDiscovery discovery)
    {
        var lines = new List<DeviceStatus>();
        if (discovery.CudaProblem is { } cuda) lines.Add(new DeviceStatus("cuda", Usable: false, cuda));
        foreach (IlgpuDeviceInfo device in discovery.Devices.Where(d => d.Kind == DeviceKind.Cuda))
            lines.Add(new DeviceStatus(device.Request.ToString(), device.IsUsable, $"{device.Details}; {LibDeviceSearch.Find().Description}"));
        if (discovery.OpenClProblem is { } openCl) lines.Add(new DeviceStatus("opencl", Usable: false, openCl));
        else if (discovery.Devices.All(d => d.Kind != DeviceKind.OpenCl))
            lines.Add(new DeviceStatus("opencl", Usable: false, "the OpenCL loader lists no device"));
        foreach (IlgpuDeviceInfo device in discovery.Devices.Where(d => d.Kind is DeviceKind.OpenCl or DeviceKind.IlgpuCpu))
            lines.Add(new DeviceStatus(device.Request.ToString(), device.IsUsable,
                device.UnusableReason is { } reason ? $"{device.Details}; {reason}" : device.Details));
        return lines;
    }

    /// <summary>Bytes in the largest binary unit that keeps a whole number in front: "7.6 GiB", "64 KiB".</summary>
    public static string Size(ulong bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString(value < 10 && unit > 0 ? "0.#" : "0", System.Globalization.CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static DeviceStatus Cpu() =>
        new("cpu", Usable: true, $"{Environment.ProcessorCount} logical processors, SIMD {SimdLevel()}");

    /// <summary>The widest vector width the JIT accelerates here.</summary>
    public static string SimdLevel()
    {
        if (Vector512.IsHardwareAccelerated)
            return "AVX-512 (512-bit)";
        if (Avx2.IsSupported)
            return "AVX2 (256-bit)";
        if (Vector128.IsHardwareAccelerated)
            return "128-bit";
        return "none (scalar)";
    }
}
