using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VaeGpu.Cli.Devices;

/// <summary>One line of the device report.</summary>
/// <param name="Name">The --device value that selects it: cpu, opencl, cuda.</param>
/// <param name="Usable">Whether --device can pick it in this build.</param>
public sealed record DeviceStatus(string Name, bool Usable, string Details);

/// <summary>
/// What this machine offers. The GPU runtimes are only probed for (is the driver library loadable?):
/// their accelerators are not in this build yet, so they are reported but never usable.
/// </summary>
public static class DeviceProbe
{
    public const string OpenClLibrary = "libOpenCL.so.1";
    public const string CudaLibrary = "libcuda.so.1";

    public static IReadOnlyList<DeviceStatus> Probe() =>
    [
        Cpu(),
        GpuRuntime("opencl", "OpenCL", OpenClLibrary),
        GpuRuntime("cuda", "CUDA", CudaLibrary),
    ];

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

    private static DeviceStatus GpuRuntime(string name, string runtime, string library)
    {
        bool found = LibraryLoads(library);
        string presence = found ? $"{library} found" : $"{library} not found";
        return new DeviceStatus(name, Usable: false, $"{presence}; the {runtime} accelerator is not in this build yet");
    }

    private static bool LibraryLoads(string library)
    {
        if (!NativeLibrary.TryLoad(library, out IntPtr handle))
            return false;
        NativeLibrary.Free(handle);
        return true;
    }
}
