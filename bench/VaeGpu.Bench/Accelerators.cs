using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Accelerators.Ilgpu;
using VaeGpu.Kernels;
using VaeGpu.Accelerators.Selection;

namespace VaeGpu.Bench;

/// <summary>
/// Every accelerator present, by benchmark parameter name: the CPU once per GEMM version
/// ("cpu-v2", "cpu-v1"), then each ILGPU device this machine can run once per kernel version
/// ("cuda-k1", "cuda-k2": Kernels:Linear, Kernels:Elbo and Kernels:Step at that version).
/// </summary>
public static class BenchAccelerators
{
    /// <summary>The names, looked up once per process (every benchmark class asks), saying once why a device is left out.</summary>
    public static IEnumerable<string> Present() => Names.Value;

    private static readonly Lazy<IReadOnlyList<string>> Names = new(() => Find().ToList());

    private static IEnumerable<string> Find()
    {
        for (int version = CpuAccelerator.LatestGemmVersion; version >= 1; version--) yield return $"cpu-v{version}";
        IlgpuDiscovery discovery = IlgpuDevices.Discovery;
        foreach (DeviceKind kind in new[] { DeviceKind.Cuda, DeviceKind.OpenCl })
        {
            var request = new DeviceRequest(kind);
            try
            {
                IlgpuDevices.Select(request, discovery);
            }
            catch (DeviceUnavailableException absent)
            {
                // Only "no such device here" skips a device, and it says so; any other failure is a bug and surfaces.
                Console.Error.WriteLine($"bench: {request} not benchmarked: {absent.Message}");
                continue;
            }
            for (int version = 1; version <= KernelVersions.LatestLinear; version++) yield return $"{request}-k{version}";
        }
    }

    public static IAccelerator Create(string name)
    {
        if (name.StartsWith("cpu-v", StringComparison.Ordinal))
            return new CpuAccelerator(gemmVersion: int.Parse(name["cpu-v".Length..], System.Globalization.CultureInfo.InvariantCulture));
        int split = name.LastIndexOf("-k", StringComparison.Ordinal);
        int version = int.Parse(name[(split + 2)..], System.Globalization.CultureInfo.InvariantCulture);
        var kernels = KernelChoice.Default with { Device = new KernelVersions(version, version, Math.Min(version, KernelVersions.LatestStep)) };
        return AcceleratorFactory.Create(DeviceRequest.Parse(name[..split]), kernels).Accelerator;
    }
}
