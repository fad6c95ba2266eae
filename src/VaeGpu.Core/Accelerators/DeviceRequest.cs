using System.Globalization;

namespace VaeGpu.Accelerators;

public enum DeviceKind
{
    /// <summary>The best usable accelerator: CUDA, then OpenCL, then the CPU.</summary>
    Auto = 0,
    Cpu = 1,
    OpenCl = 2,
    Cuda = 3,
    /// <summary>ILGPU's CPU accelerator running the device kernels as .NET code (debugging, CI); never picked by auto.</summary>
    IlgpuCpu = 4,
}

/// <summary>
/// The device the user asked for: "auto", "cpu", "opencl" (first GPU), "opencl:P:D" (platform P,
/// device D), "cuda" (device 0), "cuda:N" or "ilgpu-cpu" (ILGPU's CPU accelerator). This file owns the
/// grammar in both directions (<see cref="Parse"/> and <see cref="ToString"/>). Indices are null when the user left the choice to us.
/// </summary>
public sealed record DeviceRequest(DeviceKind Kind, int? PlatformIndex = null, int? DeviceIndex = null)
{
    public const string Forms = "auto, cpu, cuda, cuda:DEVICE, opencl, opencl:PLATFORM:DEVICE or ilgpu-cpu";

    public static DeviceRequest Auto { get; } = new(DeviceKind.Auto);

    /// <summary>Parses <paramref name="text"/>; a bad one throws a <see cref="ConfigException"/> for <paramref name="key"/>.</summary>
    public static DeviceRequest Parse(string? text, string key = "Device") =>
        TryParse(text, out DeviceRequest? request, out string? reason) ? request : throw new ConfigException(key, text, reason);

    public static bool TryParse(
        string? text,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DeviceRequest? request,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? reason)
    {
        request = null;
        reason = null;
        string[] parts = (text ?? "").Trim().ToLowerInvariant().Split(':');
        switch (parts[0])
        {
            case "auto" when parts.Length == 1:
                request = Auto;
                break;
            case "cpu" when parts.Length == 1:
                request = new DeviceRequest(DeviceKind.Cpu);
                break;
            case "ilgpu-cpu" when parts.Length == 1:
                request = new DeviceRequest(DeviceKind.IlgpuCpu);
                break;
            case "opencl" when parts.Length == 1:
                request = new DeviceRequest(DeviceKind.OpenCl);
                break;
            case "opencl" when parts.Length == 3:
                if (TryIndex(parts[1], "platform", out int platform, out reason) && TryIndex(parts[2], "device", out int device, out reason))
                    request = new DeviceRequest(DeviceKind.OpenCl, platform, device);
                break;
            case "cuda" when parts.Length == 1:
                request = new DeviceRequest(DeviceKind.Cuda);
                break;
            case "cuda" when parts.Length == 2:
                if (TryIndex(parts[1], "device", out int cudaDevice, out reason))
                    request = new DeviceRequest(DeviceKind.Cuda, DeviceIndex: cudaDevice);
                break;
        }
        if (request is null)
            reason ??= $"not a device (use {Forms})";
        return request is not null;
    }

    private static bool TryIndex(string text, string what, out int index, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? reason)
    {
        bool ok = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index);
        reason = ok ? null : $"the {what} index '{text}' is not a whole number from 0";
        return ok;
    }

    /// <summary>The canonical configuration text, which <see cref="Parse"/> reads back.</summary>
    public override string ToString() => Kind switch
    {
        DeviceKind.Auto => "auto",
        DeviceKind.Cpu => "cpu",
        DeviceKind.OpenCl when PlatformIndex is { } p && DeviceIndex is { } d => $"opencl:{p}:{d}",
        DeviceKind.OpenCl => "opencl",
        DeviceKind.Cuda when DeviceIndex is { } d => $"cuda:{d}",
        DeviceKind.Cuda => "cuda",
        DeviceKind.IlgpuCpu => "ilgpu-cpu",
        _ => Kind.ToString(),
    };
}
