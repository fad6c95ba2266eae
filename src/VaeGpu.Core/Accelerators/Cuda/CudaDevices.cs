using System.Text;
using VaeGpu.Configuration;
using static VaeGpu.Accelerators.Cuda.CudaNative;

namespace VaeGpu.Accelerators.Cuda;

/// <summary>One CUDA device as discovery saw it.</summary>
/// <param name="Index">N in --device cuda:N (the driver's ordinal).</param>
/// <param name="ComputeMajor">Compute capability major (attribute 75).</param>
/// <param name="ComputeMinor">Compute capability minor (attribute 76).</param>
/// <param name="Multiprocessors">CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT (16).</param>
/// <param name="MaxThreadsPerBlock">CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK (1).</param>
public sealed record CudaDeviceInfo(int Index, int Handle, string Name, int ComputeMajor, int ComputeMinor,
    int Multiprocessors, ulong TotalMemoryBytes, int MaxThreadsPerBlock)
{
    public string Request => $"cuda:{Index}";

    /// <summary>"9.0".</summary>
    public string ComputeCapability => $"{ComputeMajor}.{ComputeMinor}";

    /// <summary>"compute_90": NVRTC's virtual architecture for this device.</summary>
    public string VirtualArchitecture => $"compute_{ComputeMajor}{ComputeMinor}";

    /// <summary>"sm_90": the real architecture (CUBIN output).</summary>
    public string RealArchitecture => $"sm_{ComputeMajor}{ComputeMinor}";

    public override string ToString() => $"{Request} {Name}";
}

/// <summary>
/// What CUDA offers here: <paramref name="DriverProblem"/> when the driver cannot be used at all
/// (no libcuda.so.1, cuInit failing, no device), the devices otherwise, and NVRTC (the kernels are
/// compiled at run time, so a device without NVRTC is not usable).
/// </summary>
public sealed record CudaDiscovery(int? DriverVersion, IReadOnlyList<CudaDeviceInfo> Devices, string? DriverProblem, NvrtcLoad Nvrtc)
{
    public static CudaDiscovery Missing(string problem) => new(null, [], problem, new NvrtcLoad(null, null));

    /// <summary>Why --device cuda cannot work here (driver, devices, NVRTC), or null when it can.</summary>
    public string? Problem => DriverProblem ?? (Devices.Count == 0 ? CudaDevices.NoDevice : Nvrtc.Problem);

    public bool IsUsable => Problem is null && Nvrtc.Nvrtc is not null;

    /// <summary>"12.4" from cuDriverGetVersion's 12040.</summary>
    public string DriverVersionText => DriverVersion is { } v ? Cuda.Nvrtc.DriverCudaVersion(v).ToString() : "unknown";
}

/// <summary>Finds the CUDA driver, its devices and NVRTC, and turns --device cuda[:N] into one of them.</summary>
public static unsafe class CudaDevices
{
    public const string DriverMissing = "libcuda.so.1 not found: install the NVIDIA driver";
    public const string NoDevice = "no CUDA device";

    private static readonly Lazy<CudaDiscovery> Cached = new(Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What this machine has (probed once per process).</summary>
    public static CudaDiscovery Discovery => Cached.Value;

    /// <summary>Probes now. Never throws for a missing library, driver or device.</summary>
    public static CudaDiscovery Probe()
    {
        int driverVersion;
        try
        {
            int status = cuInit(0);
            if (status == CudaStatus.NoDevice)
                return CudaDiscovery.Missing($"{NoDevice} (cuInit: {CudaStatus.Describe(status)})");
            if (status != CudaStatus.Success)
                return CudaDiscovery.Missing($"the CUDA driver does not start (cuInit: {CudaStatus.Describe(status)})");
            Check(cuDriverGetVersion(&driverVersion), nameof(cuDriverGetVersion));
        }
        catch (DllNotFoundException)
        {
            return CudaDiscovery.Missing(DriverMissing);
        }
        catch (EntryPointNotFoundException error)
        {
            return CudaDiscovery.Missing($"{Library} is too old for this program ({error.Message}): update the NVIDIA driver");
        }
        catch (CudaException error)
        {
            return CudaDiscovery.Missing(error.Message);
        }
        var devices = new List<CudaDeviceInfo>();
        try
        {
            int count;
            Check(cuDeviceGetCount(&count), nameof(cuDeviceGetCount));
            for (int i = 0; i < count; i++)
                devices.Add(Describe(i));
        }
        catch (CudaException error)
        {
            return new CudaDiscovery(driverVersion, devices, error.Message, new NvrtcLoad(null, null));
        }
        return new CudaDiscovery(driverVersion, devices, null, devices.Count == 0 ? new NvrtcLoad(null, null) : Nvrtc.Shared);
    }

    /// <summary>cuDriverGetVersion, or null without a working driver (never throws).</summary>
    internal static int? DriverVersionOrNull()
    {
        try
        {
            int version;
            return cuInit(0) == CudaStatus.Success && cuDriverGetVersion(&version) == CudaStatus.Success ? version : null;
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The device for --device cuda (device 0) or cuda:N; anything missing is a one-line <see cref="ConfigException"/>.</summary>
    public static CudaDeviceInfo Select(DeviceRequest request) => Select(request, Discovery);

    public static CudaDeviceInfo Select(DeviceRequest request, CudaDiscovery discovery)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(discovery);
        if (request.Kind != DeviceKind.Cuda)
            throw new ArgumentException($"not a CUDA request: {request}", nameof(request));
        string key = "Device", value = request.ToString();
        if (discovery.DriverProblem is { } problem)
            throw new ConfigException(key, value, problem);
        int index = request.DeviceIndex ?? 0;
        if (discovery.Devices.Count == 0)
            throw new ConfigException(key, value, NoDevice);
        CudaDeviceInfo device = discovery.Devices.FirstOrDefault(d => d.Index == index)
            ?? throw new ConfigException(key, value, $"there is no CUDA device {index} (devices: " +
                string.Join(", ", discovery.Devices.Select(d => $"{d.Index} {d.Name}")) + ")");
        if (discovery.Nvrtc.Nvrtc is null)
            throw new ConfigException(key, value, discovery.Nvrtc.Problem ?? "NVRTC not found");
        return device;
    }

    private static CudaDeviceInfo Describe(int ordinal)
    {
        int device;
        Check(cuDeviceGet(&device, ordinal), nameof(cuDeviceGet));
        byte* name = stackalloc byte[256];
        Check(cuDeviceGetName(name, 256, device), nameof(cuDeviceGetName));
        nuint memory;
        Check(cuDeviceTotalMem_v2(&memory, device), nameof(cuDeviceTotalMem_v2));
        return new CudaDeviceInfo(ordinal, device, Text(name, 256),
            Attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
            Attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
            Attribute(device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
            memory,
            Attribute(device, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK));
    }

    private static int Attribute(int device, int attribute)
    {
        int value;
        Check(cuDeviceGetAttribute(&value, attribute, device), nameof(cuDeviceGetAttribute), $"attribute {attribute}");
        return value;
    }

    private static string Text(byte* bytes, int capacity)
    {
        int length = 0;
        while (length < capacity && bytes[length] != 0) length++;
        return Encoding.UTF8.GetString(bytes, length).Trim();
    }
}
