using VaeGpu.Accelerators.OpenCl;

namespace VaeGpu.Tests.Accelerators.OpenCl;

/// <summary>The OpenCL device the tests run on (a GPU when there is one), or why there is none.</summary>
internal static class OpenClTestDevice
{
    private static readonly Lazy<(OpenClDeviceInfo? Device, string? Problem)> Found = new(Find);

    public static OpenClDeviceInfo? Device => Found.Value.Device;

    /// <summary>Null when a usable device exists; otherwise the reason every OpenCL test skips.</summary>
    public static string? SkipReason => Found.Value.Problem is { } problem ? $"no usable OpenCL device: {problem}" : null;

    public static OpenClAccelerator Create() => new(Device ?? throw new InvalidOperationException(SkipReason));

    private static (OpenClDeviceInfo?, string?) Find()
    {
        if (OpenClDevices.LoaderProblem is { } loader) return (null, loader);
        IReadOnlyList<OpenClDeviceInfo> devices = OpenClDevices.Discover();
        OpenClDeviceInfo? device = devices.FirstOrDefault(d => d.UnusableReason is null && d.IsGpu)
            ?? devices.FirstOrDefault(d => d.UnusableReason is null);
        if (device is not null) return (device, null);
        return (null, devices.Count == 0
            ? "no OpenCL device found"
            : string.Join("; ", devices.Select(d => $"{d.DeviceName}: {d.UnusableReason}")));
    }
}
