using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using VaeGpu.Kernels;
using VaeGpu.Accelerators;

namespace VaeGpu.Accelerators.Ilgpu;

/// <summary>One ILGPU device as `devices` lists it.</summary>
/// <param name="Request">The --device value that selects it (cuda:0, opencl:0:1, ilgpu-cpu), with its indices always given.</param>
/// <param name="UnusableReason">Null when VaeGpu can run its kernels there.</param>
public sealed record IlgpuDeviceInfo(DeviceRequest Request, DeviceKind Kind, string Name, bool IsGpu, string Details, string? UnusableReason)
{
    public bool IsUsable => UnusableReason is null;
}

/// <summary>What a look at the machine found: devices, and why a whole runtime is missing.</summary>
public sealed record IlgpuDiscovery(IReadOnlyList<IlgpuDeviceInfo> Devices, string? CudaProblem, string? OpenClProblem);

/// <summary>
/// Finds ILGPU's devices and creates an <see cref="IlgpuAccelerator"/> on the one a --device request
/// names. ILGPU's own OpenCL list drops devices it cannot use; VaeGpu lists them all and says why.
/// </summary>
public static class IlgpuDevices
{
    public const string CudaDriver = "libcuda.so.1";
    public const string OpenClLoader = "libOpenCL.so.1";

    /// <summary>The threads of ILGPU's CPU accelerator: 4 lanes × 4 warps = the 16-lane groups of <see cref="CpuTile"/>, a group per core.</summary>
    internal static CPUDevice CpuDevice => new(4, 4, Math.Max(1, Environment.ProcessorCount));

    private static readonly Lazy<IlgpuDiscovery> Cached = new(Discover);

    // Every path into ILGPU's runtimes goes through this class: its first use points ILGPU's native
    // imports at the versioned libraries (IlgpuNativeLibraries) before ILGPU makes its first call.
    static IlgpuDevices() => IlgpuNativeLibraries.Install();

    /// <summary>The machine's devices, looked at once per process.</summary>
    public static IlgpuDiscovery Discovery => Cached.Value;

    public static IlgpuDiscovery Discover()
    {
        string? cudaProblem = NativeLibrary.TryLoad(CudaDriver, out _) ? null : $"no CUDA driver ({CudaDriver} not found)";
        string? openClProblem = NativeLibrary.TryLoad(OpenClLoader, out _) ? null : $"no OpenCL loader ({OpenClLoader} not found)";
        var devices = new List<IlgpuDeviceInfo>();
        using (Context context = Context.Create(builder =>
        {
            if (cudaProblem is null) builder.Cuda();
            if (openClProblem is null) builder.OpenCL(_ => true);
        }))
        {
            int cudaIndex = 0;
            foreach (CudaDevice device in context.GetCudaDevices())
                devices.Add(new IlgpuDeviceInfo(new DeviceRequest(DeviceKind.Cuda, DeviceIndex: cudaIndex++), DeviceKind.Cuda, device.Name, true,
                    $"{device.Name}: compute {device.Architecture}, {device.NumMultiprocessors} SMs, {Size(device.MemorySize)}", null));
            foreach ((CLDevice device, int platform, int index) in OpenClIndexed(context))
                devices.Add(new IlgpuDeviceInfo(new DeviceRequest(DeviceKind.OpenCl, platform, index), DeviceKind.OpenCl, device.Name,
                    device.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU,
                    $"{device.PlatformName} / {device.Name}: {TypeName(device.DeviceType)}, OpenCL {device.DeviceVersion}, OpenCL C {VersionText(device.CLStdVersion)}",
                    OpenClProblemOf(device.CLStdVersion, device.Capabilities.GenericAddressSpace)));
        }
        if (cudaProblem is null && devices.All(d => d.Kind != DeviceKind.Cuda)) cudaProblem = "the CUDA driver reports no device";
        devices.Add(new IlgpuDeviceInfo(new DeviceRequest(DeviceKind.IlgpuCpu), DeviceKind.IlgpuCpu, "ILGPU CPU accelerator", false,
            $"ILGPU's CPU accelerator ({CpuDevice.NumMultiprocessors} groups of 16 threads): the device kernels as .NET code, for debugging and CI; slow", null));
        return new IlgpuDiscovery(devices, cudaProblem, openClProblem);
    }

    /// <summary>
    /// Why ILGPU cannot run kernels on an OpenCL device, or null: ILGPU's own predicate
    /// (<c>CLContextExtensions.OpenCL()</c>: <c>CLStdVersion &gt;= CLBackend.MinimumVersion &amp;&amp;
    /// Capabilities.GenericAddressSpace</c>), in words. <paramref name="stdVersion"/> is the highest
    /// <c>-cl-std</c> the device accepts; <c>CVersion</c> (CL_DEVICE_OPENCL_C_VERSION) would not do,
    /// as every OpenCL 3.0 device reports 1.2 there.
    /// </summary>
    internal static string? OpenClProblemOf(CLCVersion stdVersion, bool genericAddressSpace)
    {
        if (stdVersion < CLBackend.MinimumVersion)
            return $"OpenCL C {VersionText(stdVersion)}: ILGPU's OpenCL backend requires OpenCL C {VersionText(CLBackend.MinimumVersion)} or newer";
        if (!genericAddressSpace)
            return "OpenCL without generic address space, which ILGPU's OpenCL backend requires";
        return null;
    }

    /// <summary>
    /// The accelerator for a named request. Unusable or missing devices are a one-line
    /// <see cref="UserInputException"/> that says why; nothing falls back to another device.
    /// </summary>
    /// <param name="openClGpusOnly">A bare "opencl" takes only a GPU ("auto" never runs on a CPU OpenCL device).</param>
    public static IlgpuAccelerator Create(DeviceRequest request, IlgpuDiscovery discovery, KernelVersions? versions = null,
        bool openClGpusOnly = false)
    {
        IlgpuDeviceInfo info = Select(request, discovery, openClGpusOnly);
        LibDeviceResult math = info.Kind == DeviceKind.Cuda ? LibDeviceSearch.Find() : new LibDeviceResult(null, [], null);
        Context context = KernelContext.Create(builder => Register(builder, info.Kind), math.Files);
        Device device = Find(context, info);
        try
        {
            return new IlgpuAccelerator(context, device, info.Request, versions ?? KernelVersions.Default,
                info.Kind == DeviceKind.Cuda ? math.Description : null);
        }
        catch (Exception error) when (error is not UserInputException)
        {
            string hint = info.Kind == DeviceKind.Cuda
                ? math.Files is null ? "" : "; VAEGPU_CUDA_MATH=software uses ILGPU.Algorithms' math instead of LibDevice"
                : "";
            throw new DeviceUnavailableException(
                $"{info.Request} ({info.Name}): could not load the kernels: {OneLine(error)}; {math.Description}{hint}");
        }
    }

    /// <summary>
    /// The device a request names; a one-line error when it is absent or unusable. A bare "opencl" is the
    /// first usable OpenCL GPU, else (unless <paramref name="openClGpusOnly"/>) the first usable OpenCL
    /// device of any type, such as PoCL's CPU device.
    /// </summary>
    public static IlgpuDeviceInfo Select(DeviceRequest request, IlgpuDiscovery discovery, bool openClGpusOnly = false)
    {
        IlgpuDeviceInfo? device;
        switch (request.Kind)
        {
            case DeviceKind.IlgpuCpu:
                return discovery.Devices.First(d => d.Kind == DeviceKind.IlgpuCpu);
            case DeviceKind.Cuda:
                if (discovery.CudaProblem is { } cudaProblem) throw new DeviceUnavailableException($"Device = '{request}': {cudaProblem}");
                var wanted = new DeviceRequest(DeviceKind.Cuda, DeviceIndex: request.DeviceIndex ?? 0);
                device = discovery.Devices.FirstOrDefault(d => d.Request == wanted)
                    ?? throw new DeviceUnavailableException($"Device = '{request}': no such CUDA device (found {List(discovery, DeviceKind.Cuda)})");
                break;
            case DeviceKind.OpenCl:
                if (discovery.OpenClProblem is { } openClProblem) throw new DeviceUnavailableException($"Device = '{request}': {openClProblem}");
                var openCl = discovery.Devices.Where(d => d.Kind == DeviceKind.OpenCl).ToList();
                if (request.PlatformIndex is not null && request.DeviceIndex is not null)
                    device = openCl.FirstOrDefault(x => x.Request == request)
                        ?? throw new DeviceUnavailableException($"Device = '{request}': no such OpenCL device (found {List(discovery, DeviceKind.OpenCl)})");
                else
                    device = openCl.FirstOrDefault(x => x.IsUsable && x.IsGpu)
                        ?? (openClGpusOnly ? null : openCl.FirstOrDefault(x => x.IsUsable))
                        ?? throw new DeviceUnavailableException(
                            $"Device = '{request}': no usable OpenCL {(openClGpusOnly ? "GPU" : "device")} ({Reasons(openCl)})");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "not an ILGPU device request");
        }
        if (device.UnusableReason is { } reason) throw new DeviceUnavailableException($"Device = '{request}' ({device.Name}): {reason}");
        return device;
    }

    private static void Register(Context.Builder builder, DeviceKind kind)
    {
        switch (kind)
        {
            case DeviceKind.Cuda: builder.Cuda(); break;
            case DeviceKind.OpenCl: builder.OpenCL(_ => true); break;
            default: builder.CPU(CpuDevice); break;
        }
    }

    private static Device Find(Context context, IlgpuDeviceInfo info)
    {
        try
        {
            return info.Kind switch
            {
                DeviceKind.Cuda => context.GetCudaDevices()[info.Request.DeviceIndex!.Value],
                DeviceKind.OpenCl => OpenClIndexed(context)
                    .First(x => x.Platform == info.Request.PlatformIndex && x.Index == info.Request.DeviceIndex).Device,
                _ => context.GetCPUDevices()[0],
            };
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>OpenCL devices with (platform, device) indices in the order the loader lists them.</summary>
    private static List<(CLDevice Device, int Platform, int Index)> OpenClIndexed(Context context)
    {
        var platforms = new List<IntPtr>();
        var perPlatform = new Dictionary<IntPtr, int>();
        var indexed = new List<(CLDevice, int, int)>();
        foreach (CLDevice device in context.GetCLDevices())
        {
            if (!perPlatform.TryGetValue(device.PlatformId, out int count))
            {
                platforms.Add(device.PlatformId);
                count = 0;
            }
            perPlatform[device.PlatformId] = count + 1;
            indexed.Add((device, platforms.IndexOf(device.PlatformId), count));
        }
        return indexed;
    }

    private static string List(IlgpuDiscovery discovery, DeviceKind kind)
    {
        string[] names = discovery.Devices.Where(d => d.Kind == kind).Select(d => d.Request.ToString()).ToArray();
        return names.Length == 0 ? "none" : string.Join(", ", names);
    }

    private static string Reasons(IEnumerable<IlgpuDeviceInfo> devices)
    {
        string[] lines = devices.Select(d => $"{d.Request} {d.Name}: {d.UnusableReason ?? (d.IsGpu ? "usable" : "not a GPU")}").ToArray();
        return lines.Length == 0 ? "no OpenCL device found" : string.Join("; ", lines);
    }

    private static string OneLine(Exception error)
    {
        Exception inner = error;
        while (inner.InnerException is not null && inner.Message.Length < 20) inner = inner.InnerException;
        return $"{inner.GetType().Name}: {inner.Message}".ReplaceLineEndings(" ");
    }

    /// <summary>"3.0" (ILGPU's own text is "CL3.0").</summary>
    private static string VersionText(CLCVersion version) => $"{version.Major}.{version.Minor}";

    /// <summary>"CPU", "GPU" (ILGPU's own text is "CL_DEVICE_TYPE_CPU").</summary>
    private static string TypeName(CLDeviceType type) => type.ToString().Replace("CL_DEVICE_TYPE_", "", StringComparison.Ordinal);

    private static string Size(long bytes) => $"{bytes / (1024.0 * 1024 * 1024):0.#} GiB";
}

/// <summary>A device that was asked for by name and cannot be used: one line, exit code 2.</summary>
public sealed class DeviceUnavailableException(string message) : UserInputException(message);
