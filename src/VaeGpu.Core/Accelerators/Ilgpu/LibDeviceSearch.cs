using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Ilgpu;

/// <summary>Where LibDevice was found (or not), and every place that was tried, for messages.</summary>
public sealed record LibDeviceResult(LibDeviceFiles? Files, IReadOnlyList<string> Tried, string? Forced)
{
    /// <summary>"LibDevice /usr/local/cuda/nvvm/libdevice/libdevice.10.bc" or "ILGPU.Algorithms software math (...)".</summary>
    public string Description => Files is { } files
        ? $"double math by LibDevice ({files.LibDevice})"
        : Forced == "software"
            ? "double math by ILGPU.Algorithms (VAEGPU_CUDA_MATH=software)"
            : $"double math by ILGPU.Algorithms (no LibDevice in {string.Join(", ", Tried)})";
}

/// <summary>
/// Finds libnvvm and libdevice.10.bc from a CUDA toolkit, which ILGPU's CUDA backend links for
/// Math.Exp/Log/Sin/Cos in double (ExactMath). Without them the kernels use ILGPU.Algorithms' software
/// math instead: the same results, slower. <c>VAEGPU_CUDA_MATH=software</c> skips the search;
/// <c>VAEGPU_CUDA_HOME</c> names a toolkit to look in first.
/// </summary>
public static class LibDeviceSearch
{
    public static LibDeviceResult Find()
    {
        string? forced = Environment.GetEnvironmentVariable("VAEGPU_CUDA_MATH")?.Trim().ToLowerInvariant();
        if (forced == "software") return new LibDeviceResult(null, [], forced);
        var tried = new List<string>();
        foreach (string root in Roots())
        {
            tried.Add(root);
            if (FindIn(root) is { } files) return new LibDeviceResult(files, tried, forced);
        }
        return new LibDeviceResult(null, tried, forced);
    }

    /// <summary>A toolkit layout (root/nvvm/lib64/libnvvm.so*, root/nvvm/libdevice/libdevice.*.bc) or Debian's split one.</summary>
    internal static LibDeviceFiles? FindIn(string root)
    {
        string? nvvm = FirstFile(Path.Combine(root, "nvvm", "lib64"), "libnvvm.so*")
            ?? FirstFile(Path.Combine(root, "lib", "x86_64-linux-gnu"), "libnvvm.so*");
        string? libDevice = FirstFile(Path.Combine(root, "nvvm", "libdevice"), "libdevice.*.bc")
            ?? FirstFile(Path.Combine(root, "lib", "nvidia-cuda-toolkit", "libdevice"), "libdevice.*.bc");
        return nvvm is not null && libDevice is not null ? new LibDeviceFiles(nvvm, libDevice) : null;
    }

    private static IEnumerable<string> Roots()
    {
        foreach (string variable in new[] { "VAEGPU_CUDA_HOME", "CUDA_HOME", "CUDA_PATH" })
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value) yield return value;
        yield return "/usr/local/cuda";
        if (Directory.Exists("/usr/local"))
            foreach (string dir in Directory.GetDirectories("/usr/local", "cuda-*").OrderDescending(StringComparer.Ordinal))
                yield return dir;
        // pip's nvidia-cuda-nvcc wheels (what PyTorch installs) keep nvvm/ under site-packages/nvidia/cuda_nvcc.
        foreach (string sitePackages in PythonSitePackages())
        {
            yield return Path.Combine(sitePackages, "nvidia", "cuda_nvcc");
            yield return Path.Combine(sitePackages, "nvidia", "cu13");
        }
        yield return "/usr";
    }

    private static IEnumerable<string> PythonSitePackages()
    {
        foreach (string prefix in new[] { "/usr/local/lib", "/usr/lib" })
        {
            if (!Directory.Exists(prefix)) continue;
            foreach (string python in Directory.GetDirectories(prefix, "python3*").OrderDescending(StringComparer.Ordinal))
                foreach (string name in new[] { "dist-packages", "site-packages" })
                    if (Directory.Exists(Path.Combine(python, name))) yield return Path.Combine(python, name);
        }
    }

    private static string? FirstFile(string directory, string pattern) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).FirstOrDefault() : null;
}
