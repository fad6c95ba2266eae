using VaeGpu.Accelerators.Ilgpu;
using VaeGpu.Configuration;
using VaeGpu.Kernels;
using VaeGpu.Accelerators;

namespace VaeGpu.Tests.Accelerators.Ilgpu;

/// <summary>
/// The ILGPU device a test suite runs on, or the visible reason it skips: ilgpu-cpu is always there;
/// cuda and opencl need a device that ILGPU can use. The OpenCL one is the first usable OpenCL GPU
/// (what `--device opencl` picks), or the device that <see cref="OpenClSetting"/> names: a CPU device
/// such as PoCL 6's, which is how CI runs the OpenCL suites (scripts/opencl/run.sh).
/// </summary>
internal static class IlgpuTestDevice
{
    /// <summary>The one setting that names the OpenCL device of every OpenCL test, e.g. <c>opencl:0:0</c>.</summary>
    public const string OpenClSetting = "VAEGPU_TEST_OPENCL";

    public static readonly DeviceRequest Cuda = new(DeviceKind.Cuda);
    public static readonly DeviceRequest OpenCl = OpenClFromEnvironment();
    public static readonly DeviceRequest IlgpuCpu = new(DeviceKind.IlgpuCpu);

    /// <summary>The device the tests use for <paramref name="kind"/>.</summary>
    public static DeviceRequest For(DeviceKind kind) => kind switch
    {
        DeviceKind.Cuda => Cuda,
        DeviceKind.OpenCl => OpenCl,
        DeviceKind.IlgpuCpu => IlgpuCpu,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an ILGPU device"),
    };

    private static DeviceRequest OpenClFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(OpenClSetting);
        if (string.IsNullOrEmpty(text)) return new DeviceRequest(DeviceKind.OpenCl);
        DeviceRequest request = DeviceRequest.Parse(text, OpenClSetting);
        return request.Kind == DeviceKind.OpenCl
            ? request
            : throw new ConfigException(OpenClSetting, text, "an OpenCL device: opencl or opencl:PLATFORM:DEVICE");
    }

    /// <summary>Why <paramref name="request"/> cannot run here, or null.</summary>
    public static string? SkipReason(DeviceRequest request)
    {
        try
        {
            IlgpuDevices.Select(request, IlgpuDevices.Discovery);
            return null;
        }
        catch (DeviceUnavailableException error)
        {
            return $"no {request} here: {error.Message}";
        }
    }

    public static IlgpuAccelerator Create(DeviceRequest request, KernelVersions? versions = null) =>
        IlgpuDevices.Create(request, IlgpuDevices.Discovery, versions);
}
