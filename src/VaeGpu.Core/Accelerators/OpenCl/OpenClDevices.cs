using System.Globalization;
using System.Text;
using VaeGpu.Configuration;
using static VaeGpu.Accelerators.OpenCl.OpenClNative;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>One OpenCL device as discovery saw it.</summary>
/// <param name="PlatformIndex">P in --device opencl:P:D (the order clGetPlatformIDs returns).</param>
/// <param name="DeviceIndex">D in --device opencl:P:D (the order clGetDeviceIDs returns, all types).</param>
/// <param name="DeviceVersion">CL_DEVICE_VERSION, e.g. "OpenCL 3.0 PoCL ...".</param>
/// <param name="OpenClCVersion">CL_DEVICE_OPENCL_C_VERSION, e.g. "OpenCL C 1.2 PoCL": what the kernels compile as.</param>
/// <param name="UnusableReason">Why the kernels cannot run there, or null when they can.</param>
public sealed record OpenClDeviceInfo(
    int PlatformIndex, int DeviceIndex, nint PlatformId, nint DeviceId,
    string PlatformName, string DeviceName, string DeviceVersion, string OpenClCVersion,
    bool IsGpu, int ComputeUnits, ulong GlobalMemoryBytes, ulong LocalMemoryBytes, ulong MaxWorkGroupSize,
    string? UnusableReason)
{
    public bool IsUsable => UnusableReason is null;

    /// <summary>"opencl:0:0".</summary>
    public string Request => $"opencl:{PlatformIndex}:{DeviceIndex}";

    public override string ToString() => $"{Request} {DeviceName} ({PlatformName})";
}

/// <summary>One OpenCL platform (driver); <paramref name="Problem"/> says why its devices could not be listed.</summary>
public sealed record OpenClPlatformInfo(int Index, nint Id, string Name, string Version, string? Problem = null);

/// <summary>Everything discovery found; <paramref name="LoaderProblem"/> is set when OpenCL itself is missing.</summary>
public sealed record OpenClDiscovery(
    IReadOnlyList<OpenClPlatformInfo> Platforms, IReadOnlyList<OpenClDeviceInfo> Devices, string? LoaderProblem)
{
    public static OpenClDiscovery Missing(string problem) => new([], [], problem);
}

/// <summary>
/// Finds the OpenCL platforms and devices, decides which can run the kernels (OpenCL C 1.2, 16 KiB of
/// local memory, work-groups of 256, a compiler), and turns a --device request into one of them.
/// </summary>
public static unsafe class OpenClDevices
{
    public const int MinimumLocalMemoryBytes = 16 * 1024;
    public const int MinimumWorkGroupSize = 256;

    public const string LoaderMissing =
        "libOpenCL.so.1 not found: install an OpenCL ICD loader and driver, e.g. apt-get install ocl-icd-libopencl1 pocl-opencl-icd";
    public const string NoPlatform = "no OpenCL platform: install a driver (ICD), e.g. pocl-opencl-icd";

    private static readonly Lazy<OpenClDiscovery> Cached = new(Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What this machine has (probed once per process: drivers do not come and go).</summary>
    public static OpenClDiscovery Discovery => Cached.Value;

    /// <summary>Every device on every platform, usable or not; empty when OpenCL is missing.</summary>
    public static IReadOnlyList<OpenClDeviceInfo> Discover() => Discovery.Devices;

    /// <summary>Why OpenCL cannot be used at all (no loader, no platform), or null.</summary>
    public static string? LoaderProblem => Discovery.LoaderProblem;

    /// <summary>Probes now, bypassing the cache. Never throws for a missing library or driver.</summary>
    public static OpenClDiscovery Probe()
    {
        nint[] platformIds;
        try
        {
            platformIds = PlatformIds();
        }
        catch (DllNotFoundException)
        {
            return OpenClDiscovery.Missing(LoaderMissing);
        }
        catch (EntryPointNotFoundException error)
        {
            return OpenClDiscovery.Missing($"{Library} is not an OpenCL 1.2 loader ({error.Message})");
        }
        catch (OpenClException error)
        {
            return OpenClDiscovery.Missing(error.Status == OpenClStatus.PlatformNotFoundKhr ? NoPlatform : error.Message);
        }
        if (platformIds.Length == 0)
            return OpenClDiscovery.Missing(NoPlatform);

        var platforms = new List<OpenClPlatformInfo>();
        var devices = new List<OpenClDeviceInfo>();
        for (int p = 0; p < platformIds.Length; p++)
        {
            nint platform = platformIds[p];
            string name = TryPlatformString(platform, CL_PLATFORM_NAME) ?? $"platform {p}";
            string version = TryPlatformString(platform, CL_PLATFORM_VERSION) ?? "";
            nint[] deviceIds;
            try
            {
                deviceIds = DeviceIds(platform);
            }
            catch (OpenClException error)
            {
                platforms.Add(new OpenClPlatformInfo(p, platform, name, version, error.Message));
                continue;
            }
            platforms.Add(new OpenClPlatformInfo(p, platform, name, version));
            for (int d = 0; d < deviceIds.Length; d++)
                devices.Add(Describe(p, d, platform, deviceIds[d], name));
        }
        return new OpenClDiscovery(platforms, devices, null);
    }

    /// <summary>
    /// "opencl": the first usable GPU, else the first usable device; "opencl:P:D": exactly that one.
    /// Anything else is a one-line <see cref="ConfigException"/> for Device that says what exists.
    /// </summary>
    public static OpenClDeviceInfo Select(DeviceRequest request) => Select(request, Discovery);

    public static OpenClDeviceInfo Select(DeviceRequest request, OpenClDiscovery discovery)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind != DeviceKind.OpenCl)
            throw new ArgumentException($"not an OpenCL request: {request}", nameof(request));
        string text = request.ToString();
        if (discovery.LoaderProblem is { } problem)
            throw new ConfigException("Device", text, problem);

        if (request.PlatformIndex is not { } p || request.DeviceIndex is not { } d)
        {
            OpenClDeviceInfo? best = discovery.Devices.FirstOrDefault(x => x.IsUsable && x.IsGpu)
                ?? discovery.Devices.FirstOrDefault(x => x.IsUsable);
            if (best is not null)
                return best;
            string found = discovery.Devices.Count == 0
                ? $"no OpenCL devices (platforms: {PlatformList(discovery)})"
                : string.Join("; ", discovery.Devices.Select(x => $"{x}: {x.UnusableReason}"));
            throw new ConfigException("Device", text, $"no usable OpenCL device ({found})");
        }

        OpenClPlatformInfo? platform = discovery.Platforms.FirstOrDefault(x => x.Index == p);
        if (platform is null)
            throw new ConfigException("Device", text, $"there is no platform {p} (platforms: {PlatformList(discovery)})");
        OpenClDeviceInfo[] onPlatform = discovery.Devices.Where(x => x.PlatformIndex == p).ToArray();
        OpenClDeviceInfo? device = onPlatform.FirstOrDefault(x => x.DeviceIndex == d);
        if (device is null)
        {
            string list = platform.Problem is { } platformProblem ? platformProblem
                : onPlatform.Length == 0 ? "it has none"
                : "devices: " + string.Join(", ", onPlatform.Select(x => $"{x.DeviceIndex} {x.DeviceName}"));
            throw new ConfigException("Device", text, $"platform {p} ({platform.Name}) has no device {d} ({list})");
        }
        if (device.UnusableReason is { } reason)
            throw new ConfigException("Device", text, $"{device.DeviceName} ({platform.Name}) cannot run the kernels: {reason}");
        return device;
    }

    /// <summary>Why a device cannot run the kernels, or null. Public for tests and the devices report.</summary>
    public static string? Unusable(bool available, bool compilerAvailable, string openClCVersion, ulong localMemoryBytes,
        ulong maxWorkGroupSize)
    {
        var reasons = new List<string>();
        if (!available)
            reasons.Add("the device is not available");
        if (!compilerAvailable)
            reasons.Add("the driver has no OpenCL C compiler");
        if (ParseOpenClCVersion(openClCVersion) is not { } version)
            reasons.Add($"unknown OpenCL C version '{openClCVersion}'");
        else if (version < new Version(1, 2))
            reasons.Add($"OpenCL C {version.ToString(2)} is below 1.2");
        if (localMemoryBytes < MinimumLocalMemoryBytes)
            reasons.Add($"{localMemoryBytes / 1024} KiB of local memory is below {MinimumLocalMemoryBytes / 1024} KiB");
        if (maxWorkGroupSize < MinimumWorkGroupSize)
            reasons.Add($"a max work-group size of {maxWorkGroupSize} is below {MinimumWorkGroupSize}");
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    /// <summary>"OpenCL C 1.2 PoCL" → 1.2; null when the text does not have the form the spec requires.</summary>
    public static Version? ParseOpenClCVersion(string text)
    {
        const string prefix = "OpenCL C ";
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
            return null;
        string number = text[prefix.Length..].Split(' ', 2)[0];
        string[] parts = number.Split('.');
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor)
            ? new Version(major, minor) : null;
    }

    private static string PlatformList(OpenClDiscovery discovery) =>
        discovery.Platforms.Count == 0 ? "none" : string.Join(", ", discovery.Platforms.Select(x => $"{x.Index} {x.Name}"));

    private static OpenClDeviceInfo Describe(int p, int d, nint platform, nint device, string platformName)
    {
        try
        {
            string name = DeviceString(device, CL_DEVICE_NAME);
            string version = DeviceString(device, CL_DEVICE_VERSION);
            string cVersion = DeviceString(device, CL_DEVICE_OPENCL_C_VERSION);
            ulong type = DeviceValue<ulong>(device, CL_DEVICE_TYPE);
            uint computeUnits = DeviceValue<uint>(device, CL_DEVICE_MAX_COMPUTE_UNITS);
            ulong globalMemory = DeviceValue<ulong>(device, CL_DEVICE_GLOBAL_MEM_SIZE);
            ulong localMemory = DeviceValue<ulong>(device, CL_DEVICE_LOCAL_MEM_SIZE);
            ulong workGroup = DeviceValue<nuint>(device, CL_DEVICE_MAX_WORK_GROUP_SIZE);
            bool available = DeviceValue<uint>(device, CL_DEVICE_AVAILABLE) != CL_FALSE;
            bool compiler = DeviceValue<uint>(device, CL_DEVICE_COMPILER_AVAILABLE) != CL_FALSE;
            return new OpenClDeviceInfo(p, d, platform, device, platformName, name, version, cVersion,
                (type & CL_DEVICE_TYPE_GPU) != 0, (int)Math.Min(computeUnits, int.MaxValue), globalMemory, localMemory, workGroup,
                Unusable(available, compiler, cVersion, localMemory, workGroup));
        }
        catch (OpenClException error)
        {
            return new OpenClDeviceInfo(p, d, platform, device, platformName, $"device {d}", "", "", false, 0, 0, 0, 0,
                $"could not be queried: {error.Message}");
        }
    }

    private static nint[] PlatformIds()
    {
        uint count;
        int status = clGetPlatformIDs(0, null, &count);
        if (status == OpenClStatus.PlatformNotFoundKhr)
            return [];
        OpenClStatus.Check(status, nameof(clGetPlatformIDs));
        var ids = new nint[count];
        if (count == 0)
            return ids;
        fixed (nint* pointer = ids)
            OpenClStatus.Check(clGetPlatformIDs(count, pointer, &count), nameof(clGetPlatformIDs));
        return ids;
    }

    private static nint[] DeviceIds(nint platform)
    {
        uint count;
        int status = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, &count);
        if (status == OpenClStatus.DeviceNotFound)
            return [];
        OpenClStatus.Check(status, nameof(clGetDeviceIDs));
        var ids = new nint[count];
        if (count == 0)
            return ids;
        fixed (nint* pointer = ids)
            OpenClStatus.Check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, count, pointer, &count), nameof(clGetDeviceIDs));
        return ids;
    }

    private static string? TryPlatformString(nint platform, uint parameter)
    {
        nuint size;
        if (clGetPlatformInfo(platform, parameter, 0, null, &size) != CL_SUCCESS)
            return null;
        byte[] bytes = new byte[(int)size];
        fixed (byte* pointer = bytes)
        {
            if (clGetPlatformInfo(platform, parameter, size, pointer, null) != CL_SUCCESS)
                return null;
        }
        return Text(bytes);
    }

    internal static string DeviceString(nint device, uint parameter)
    {
        nuint size;
        OpenClStatus.Check(clGetDeviceInfo(device, parameter, 0, null, &size), nameof(clGetDeviceInfo));
        byte[] bytes = new byte[(int)size];
        fixed (byte* pointer = bytes)
            OpenClStatus.Check(clGetDeviceInfo(device, parameter, size, pointer, null), nameof(clGetDeviceInfo));
        return Text(bytes);
    }

    internal static T DeviceValue<T>(nint device, uint parameter) where T : unmanaged
    {
        T value = default;
        OpenClStatus.Check(clGetDeviceInfo(device, parameter, (nuint)sizeof(T), &value, null), nameof(clGetDeviceInfo));
        return value;
    }

    /// <summary>A zero-terminated info string, trimmed (drivers pad some with spaces).</summary>
    internal static string Text(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]).Trim();
    }
}
