using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Configuration;
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
    public static IEnumerable<string> Present()
    {
        for (int version = CpuAccelerator.LatestGemmVersion; version >= 1; version--) yield return $"cpu-v{version}";
        foreach (string device in new[] { "cuda", "opencl" })
        {
            IAccelerator? accelerator = null;
            try
            {
                (accelerator, _) = AcceleratorFactory.Create(DeviceRequest.Parse(device));
            }
            catch (Exception)
            {
                // Not in this build, or no such device here.
            }
            if (accelerator is null) continue;
            accelerator.Dispose();
            for (int version = 1; version <= KernelVersions.LatestLinear; version++) yield return $"{device}-k{version}";
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
