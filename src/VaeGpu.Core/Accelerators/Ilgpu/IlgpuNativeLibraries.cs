using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;

namespace VaeGpu.Accelerators.Ilgpu;

/// <summary>
/// Points ILGPU's native imports at the libraries a Linux machine actually has. ILGPU imports
/// <c>DllImport("OpenCL")</c> and <c>DllImport("cuda")</c>, which .NET resolves as <c>libOpenCL.so</c>
/// and <c>libcuda.so</c>: the unversioned names that only the -dev packages create. Debian's
/// <c>ocl-icd-libopencl1</c> ships <c>libOpenCL.so.1</c> alone, so without this ILGPU silently saw no
/// OpenCL platform at all while our own probe (which loads <c>.so.1</c>) said the loader was there.
/// The resolver is the one .NET offers for a third-party assembly's imports; ILGPU sets none itself.
/// </summary>
internal static class IlgpuNativeLibraries
{
    /// <summary>ILGPU's import name (its Linux <c>LibraryNames</c>) → the versioned sonames tried first.</summary>
    private static readonly Dictionary<string, string> Versioned = new(StringComparer.Ordinal)
    {
        ["OpenCL"] = IlgpuDevices.OpenClLoader,
        ["cuda"] = IlgpuDevices.CudaDriver,
    };

    private static int _installed;

    /// <summary>Installs the resolver once per process, before ILGPU's first native call.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) != 0) return;
        NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, Resolve);
    }

    /// <summary>The versioned soname when it loads; otherwise zero, so that .NET's own probing runs as before.</summary>
    internal static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!OperatingSystem.IsLinux() || !Versioned.TryGetValue(libraryName, out string? soname)) return IntPtr.Zero;
        return NativeLibrary.TryLoad(soname, out IntPtr handle) ? handle : IntPtr.Zero;
    }
}
