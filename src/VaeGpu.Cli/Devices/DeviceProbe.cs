using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cuda;
using VaeGpu.Accelerators.OpenCl;

namespace VaeGpu.Cli.Devices;

/// <summary>One line of the device report.</summary>
/// <param name="Name">The --device value that selects it: cpu, opencl:P:D, cuda.</param>
/// <param name="Usable">Whether --device can pick it in this build.</param>
public sealed record DeviceStatus(string Name, bool Usable, string Details);

/// <summary>
/// What this machine offers: the CPU, every OpenCL platform and device, and every CUDA device
/// (usable or why not).
/// </summary>
public static class DeviceProbe
{
    public const string OpenClLibrary = "libOpenCL.so.1";
    public const string CudaLibrary = "libcuda.so.1";

    public static IReadOnlyList<DeviceStatus> Probe() =>
    [
        Cpu(),
        .. OpenCl(OpenClDevices.Discovery),
        .. Cuda(CudaDevices.Discovery),
    ];

    /// <summary>
    /// One line per CUDA device ("cuda:N": name, compute capability, SMs, memory, driver version,
    /// the NVRTC used), or a single "cuda" line saying why CUDA is not usable.
    /// </summary>
    public static IReadOnlyList<DeviceStatus> Cuda(CudaDiscovery discovery)
    {
        if (discovery.DriverProblem is { } problem)
            return [new DeviceStatus("cuda", Usable: false, problem)];
        if (discovery.Devices.Count == 0)
            return [new DeviceStatus("cuda", Usable: false, $"{CudaDevices.NoDevice} (driver {discovery.DriverVersionText})")];
        string compiler = discovery.Nvrtc.Nvrtc is { } nvrtc ? nvrtc.ToString() : discovery.Nvrtc.Problem ?? "NVRTC not found";
        return discovery.Devices.Select(device =>
            new DeviceStatus(device.Request, discovery.IsUsable, $"{Describe(device)}, driver {discovery.DriverVersionText}, {compiler}")).ToList();
    }

    /// <summary>"NVIDIA H100 80GB HBM3: compute 9.0, 132 SMs, 79.1 GiB".</summary>
    public static string Describe(CudaDeviceInfo device) =>
        $"{device.Name}: compute {device.ComputeCapability}, {device.Multiprocessors} SMs, {Size(device.TotalMemoryBytes)}";

    /// <summary>
    /// One line per OpenCL device ("opencl:P:D"), one per platform whose devices could not be listed,
    /// or a single "opencl" line saying why OpenCL is missing.
    /// </summary>
    public static IReadOnlyList<DeviceStatus> OpenCl(OpenClDiscovery discovery)
    {
        if (discovery.LoaderProblem is { } problem)
            return [new DeviceStatus("opencl", Usable: false, problem)];
        var lines = new List<DeviceStatus>();
        foreach (OpenClPlatformInfo platform in discovery.Platforms)
        {
            OpenClDeviceInfo[] devices = discovery.Devices.Where(d => d.PlatformIndex == platform.Index).ToArray();
            if (platform.Problem is not null || devices.Length == 0)
                lines.Add(new DeviceStatus($"opencl:{platform.Index}", Usable: false,
                    $"{platform.Name}: {platform.Problem ?? "no devices"}"));
            foreach (OpenClDeviceInfo device in devices)
            {
                string? reason = device.UnusableReason;
                lines.Add(new DeviceStatus(device.Request, reason is null, Describe(device) + (reason is null ? "" : $"; {reason}")));
            }
        }
        return lines;
    }

    /// <summary>"Portable Computing Language / pthread-...: CPU, OpenCL 3.0 PoCL, OpenCL C 1.2 PoCL, 2 compute units, ...".</summary>
    public static string Describe(OpenClDeviceInfo device) =>
        $"{device.PlatformName} / {device.DeviceName}: {(device.IsGpu ? "GPU" : "not a GPU")}, {device.DeviceVersion}, " +
        $"{device.OpenClCVersion}, {device.ComputeUnits} compute units, {Size(device.GlobalMemoryBytes)} global, " +
        $"{Size(device.LocalMemoryBytes)} local memory, work-groups up to {device.MaxWorkGroupSize}";

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
