using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Configuration;

namespace VaeGpu.Bench;

/// <summary>
/// Every accelerator present, by benchmark parameter name: the CPU once per GEMM version
/// ("cpu-v2", "cpu-v1"), then each device accelerator that this build has and this machine can run.
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
            yield return device;
        }
    }

    public static IAccelerator Create(string name) => name.StartsWith("cpu-v", StringComparison.Ordinal)
        ? new CpuAccelerator(gemmVersion: int.Parse(name["cpu-v".Length..], System.Globalization.CultureInfo.InvariantCulture))
        : AcceleratorFactory.Create(DeviceRequest.Parse(name)).Accelerator;
}
